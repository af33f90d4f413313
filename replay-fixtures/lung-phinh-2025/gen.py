#!/usr/bin/env python3
"""Generate the Lùng Phình 2025 replay fixture (events.jsonl).

Stdlib only and fully deterministic: no clock, no `random`; every "random-looking"
choice (split of a total into vouchers, voucher dates) comes from SHA-256 of a readable
key, and every id is uuid5(NAMESPACE, readable name).

The amounts are SYNTHETIC. They are chosen so that the balances of the plan-year-2025
lines as of 2025-11-20 (end of day), rounded to triệu đồng one figure at a time
(half away from zero), reproduce section II of
seed/bao-cao-mtqg-lung-phinh-2025.txt:

    all programmes        plan 38.996   disbursed 21.597   55,38%
    recurrent (SN)        plan 20.336   (carried 4.457, in-year 15.878)  disbursed 13.646  67,11%
      DTTS recurrent      plan 11.335   (carried 3.618, in-year 7.717)   disbursed 6.544
      GNBV recurrent      plan  9.001   (carried   839, in-year 8.162)   disbursed 7.102
    investment (ĐTPT)     plan 18.660   23 works of DTTS                 disbursed 7.951  42,6%

The printed DTTS (57,3%) and GNBV (75,18%) rates do not follow from the printed amounts
and are not reproduced.  Run `python3 check.py` afterwards: it re-reads the file,
replays the ledger rules and asserts every target.

Usage:  python3 gen.py            (writes events.jsonl next to this file)
"""

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "events.jsonl"

# Fixed namespace for every id of this fixture.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://socai.invalid/replay-fixtures/lung-phinh-2025")

ACTOR = "ke-toan-ngan-sach-xa-lung-phinh"
CUTOFF = dt.date(2025, 11, 20)  # as-of date of the report (inclusive, end of day)
D = dt.date

# ----------------------------------------------------------------------------------------
# Targets (exact đồng) — the figures the as-of view must show.
# ----------------------------------------------------------------------------------------
T_DTTS_INYEAR_PLAN = 7_716_842_000     # -> 7.717
T_DTTS_CARRIED_PLAN = 3_618_315_400    # -> 3.618   (sum 11.335.157.400 -> 11.335)
T_GNBV_INYEAR_PLAN = 8_161_573_000     # -> 8.162
T_GNBV_CARRIED_PLAN = 839_046_200      # ->   839   (sum 9.000.619.200 -> 9.001)
T_INVEST_PLAN = 18_660_218_000         # -> 18.660  (total 38.995.994.600 -> 38.996)
T_DTTS_DISB = 6_544_183_500            # -> 6.544
T_GNBV_DISB = 7_102_214_700            # -> 7.102   (recurrent 13.646.398.200 -> 13.646, 67,11%)
T_INVEST_DISB = 7_950_812_300          # -> 7.951   (42,6%; total 21.597.210.500 -> 21.597, 55,38%)

REMAINDER = None  # marker: this figure is the remainder that makes the exact sum right

# ----------------------------------------------------------------------------------------
# Catalogue (names of projects per QĐ 1719/QĐ-TTg and QĐ 90/QĐ-TTg, abbreviated).
# ----------------------------------------------------------------------------------------
PROJECT_NAMES = {
    ("DTTS", "DA1", None): "DA1: Giải quyết tình trạng thiếu đất ở, nhà ở, đất sản xuất, nước sinh hoạt",
    ("DTTS", "DA3", "TDA1"): "DA3/TDA1: Phát triển kinh tế nông, lâm nghiệp bền vững gắn với bảo vệ rừng và nâng cao thu nhập cho người dân",
    ("DTTS", "DA4", "TDA1"): "DA4/TDA1: Đầu tư cơ sở hạ tầng thiết yếu phục vụ sản xuất, đời sống",
    ("DTTS", "DA5", "TDA1"): "DA5/TDA1: Đổi mới hoạt động, củng cố phát triển các trường phổ thông dân tộc nội trú, bán trú và xóa mù chữ",
    ("DTTS", "DA6", None): "DA6: Bảo tồn, phát huy giá trị văn hóa truyền thống tốt đẹp của các dân tộc thiểu số gắn với phát triển du lịch",
    ("DTTS", "DA8", None): "DA8: Thực hiện bình đẳng giới và giải quyết những vấn đề cấp thiết đối với phụ nữ và trẻ em",
    ("DTTS", "DA10", "TDA1"): "DA10/TDA1: Biểu dương, tôn vinh điển hình tiên tiến, phát huy vai trò người có uy tín; phổ biến, giáo dục pháp luật; truyền thông",
    ("GNBV", "DA2", None): "DA2: Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo",
    ("GNBV", "DA3", "TDA1"): "DA3/TDA1: Hỗ trợ phát triển sản xuất trong lĩnh vực nông nghiệp",
    ("GNBV", "DA4", "TDA1"): "DA4/TDA1: Phát triển giáo dục nghề nghiệp vùng nghèo, vùng khó khăn",
    ("GNBV", "DA6", None): "DA6: Truyền thông và giảm nghèo về thông tin",
    ("GNBV", "DA7", "TDA1"): "DA7/TDA1: Nâng cao năng lực thực hiện Chương trình",
}
PROGRAM_NAMES = {
    "DTTS": "CT MTQG phát triển KT-XH vùng đồng bào DTTS và miền núi",
    "GNBV": "CT MTQG giảm nghèo bền vững",
}

# Recurrent lines of plan year 2025.
#   (program, project, subproject, source, in-year plan, in-year disbursed as of cutoff,
#    carried-over (plan, disbursed) or None)
# Plans/disbursements are FINAL net figures; allocations are derived from them.
RECURRENT = [
    ("DTTS", "DA1", None, "NSTW", 1_684_560_000, 1_102_437_000, (1_126_480_000, 1_098_250_000)),
    ("DTTS", "DA1", None, "NSDP", 121_846_000, 61_250_000, None),
    ("DTTS", "DA3", "TDA1", "NSTW", 1_852_318_000, 826_915_000, (842_917_400, 612_300_000)),
    ("DTTS", "DA5", "TDA1", "NSTW", 1_837_245_000, 1_015_382_000, (960_338_000, 735_420_000)),
    ("DTTS", "DA6", None, "NSTW", 612_780_000, 248_630_000, None),
    ("DTTS", "DA8", None, "NSTW", 418_653_000, 127_406_000, (212_635_000, 212_635_000)),
    ("DTTS", "DA10", "TDA1", "NSTW", REMAINDER, 402_118_500, (REMAINDER, REMAINDER)),
    ("GNBV", "DA2", None, "NSTW", 3_314_380_000, 2_724_120_000, (512_318_200, 512_318_200)),
    ("GNBV", "DA3", "TDA1", "NSTW", 2_478_925_000, 1_902_356_000, (REMAINDER, REMAINDER)),
    ("GNBV", "DA4", "TDA1", "NSTW", 1_345_612_000, 1_095_800_700, None),
    ("GNBV", "DA6", None, "NSTW", 486_270_000, 311_485_000, None),
    ("GNBV", "DA7", "TDA1", "NSTW", REMAINDER, 278_903_000, None),
]

# Investment works (all DTTS). (no, kind of works, project, subproject,
#   in-year plan, in-year disbursed, extended (plan, disbursed) or None)
WORKS = [
    (1, "Đường giao thông nội thôn", "DA4", "TDA1", 845_320_000, 512_640_000, (612_345_000, 612_345_000)),
    (2, "Nhà văn hóa thôn", "DA4", "TDA1", 512_760_000, 0, (428_716_000, 401_280_000)),
    (3, "Đường giao thông liên thôn", "DA4", "TDA1", 1_214_850_000, 836_215_000, (1_053_280_500, 1_053_280_500)),
    (4, "Kênh mương thủy lợi", "DA4", "TDA1", 693_415_000, 471_380_000, None),
    (5, "Công trình nước sinh hoạt tập trung", "DA1", None, 478_230_000, 0, (287_904_000, 215_600_000)),
    (6, "Đường giao thông nội đồng", "DA4", "TDA1", 1_086_540_000, 698_452_000, None),
    (7, "Nhà lớp học điểm trường", "DA5", "TDA1", 734_905_000, 305_118_000, None),
    (8, "Cầu treo dân sinh", "DA4", "TDA1", 392_615_000, 0, (346_127_000, 346_127_000)),
    (9, "Đường giao thông nội thôn", "DA4", "TDA1", 958_370_000, 612_704_000, None),
    (10, "Kè chống sạt lở khu dân cư", "DA4", "TDA1", 617_248_000, 0, None),
    (11, "Đường giao thông liên thôn", "DA4", "TDA1", 985_760_000, 534_890_000, None),
    (12, "Nhà văn hóa thôn", "DA4", "TDA1", 546_183_000, 0, None),
    (13, "Thủy lợi, đập dâng", "DA4", "TDA1", 803_492_000, 388_260_000, None),
    (14, "Sân thể thao thôn", "DA4", "TDA1", 421_857_000, 0, None),
    (15, "Đường giao thông nội thôn", "DA4", "TDA1", 689_314_000, 0, None),
    (16, "Cải tạo, sửa chữa trạm y tế xã", "DA4", "TDA1", 847_026_000, 421_930_000, None),
    (17, "Công trình nước sinh hoạt tập trung", "DA1", None, 372_568_000, 0, None),
    (18, "Đường giao thông nội đồng", "DA4", "TDA1", 594_731_000, 0, None),
    (19, "Kênh mương thủy lợi", "DA4", "TDA1", 812_447_000, REMAINDER, None),
    (20, "Nhà văn hóa thôn", "DA4", "TDA1", 468_905_000, 0, None),
    (21, "Đường giao thông nội thôn", "DA4", "TDA1", 736_210_000, 0, None),
    (22, "Chợ dân sinh", "DA4", "TDA1", 519_364_000, 0, None),
    (23, "Đường giao thông liên thôn", "DA4", "TDA1", REMAINDER, 0, None),
]

# ----------------------------------------------------------------------------------------
# Documents.  Numbers marked (*) in the note are illustrative (số hiệu minh họa); the three
# KH-UBND plans are the real ones named in section I of the seed report.
# ----------------------------------------------------------------------------------------
def doc(number, date, issuer=None):
    d = {"number": number, "date": date.isoformat()}
    if issuer:
        d["issuer"] = issuer
    return d


ILL = " (số hiệu văn bản minh họa)"
DOC_2024_SN_1 = doc("1021/QĐ-UBND", D(2024, 3, 8), "UBND huyện")
DOC_2024_SN_2 = doc("2315/QĐ-UBND", D(2024, 7, 22), "UBND huyện")
DOC_2024_DT = doc("58/QĐ-UBND", D(2024, 1, 12), "UBND tỉnh")
DOC_CARRY_SN = doc("186/QĐ-UBND", D(2025, 1, 17), "UBND huyện")
DOC_CANCEL_SN = doc("187/QĐ-UBND", D(2025, 1, 17), "UBND huyện")
DOC_EXTEND_DT = doc("245/QĐ-UBND", D(2025, 2, 20), "UBND tỉnh")
DOC_2025_DT = doc("71/QĐ-UBND", D(2025, 1, 10), "UBND tỉnh")
DOC_2025_SN = {"DTTS": doc("412/QĐ-UBND", D(2025, 2, 14), "UBND huyện"),
               "GNBV": doc("413/QĐ-UBND", D(2025, 2, 14), "UBND huyện")}
DOC_SUPP = {"DTTS": doc("44/KH-UBND", D(2025, 9, 8), "UBND xã Lùng Phình"),
            "GNBV": doc("33/KH-UBND", D(2025, 8, 20), "UBND xã Lùng Phình")}
DOC_ADJUST = doc("49/KH-UBND", D(2025, 9, 15), "UBND xã Lùng Phình")
DOC_REDUCE = doc("152/QĐ-UBND", D(2025, 10, 14), "UBND xã Lùng Phình")

HOLIDAYS = {
    D(2024, 1, 1), *(D(2024, 2, d) for d in range(8, 15)), D(2024, 4, 18),
    D(2024, 4, 29), D(2024, 4, 30), D(2024, 5, 1), D(2024, 9, 2), D(2024, 9, 3),
    D(2025, 1, 1), *(D(2025, 1, d) for d in range(25, 32)), D(2025, 2, 1), D(2025, 2, 2),
    D(2025, 4, 7), D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 2), D(2025, 9, 1), D(2025, 9, 2),
}


# ----------------------------------------------------------------------------------------
# Deterministic helpers.
# ----------------------------------------------------------------------------------------
def h(key):
    """A number in [0, 1) derived from `key` (SHA-256)."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") / 2**64


def is_workday(d):
    return d.weekday() < 5 and d not in HOLIDAYS


def workday_in(d, lo, hi):
    x = d
    while not is_workday(x):
        x += dt.timedelta(days=1)
    if x > hi:
        x = d
        while not is_workday(x):
            x -= dt.timedelta(days=1)
    assert lo <= x <= hi, (d, lo, hi)
    return x


def dates_in(key, n, lo, hi):
    """n ascending workdays spread over [lo, hi] (one per equal slot, jittered)."""
    span = (hi - lo).days + 1
    out = []
    for i in range(n):
        a = lo + dt.timedelta(days=span * i // n)
        b = lo + dt.timedelta(days=span * (i + 1) // n - 1)
        width = (b - a).days + 1
        d = a + dt.timedelta(days=int(width * h(f"{key}#d{i}")))
        out.append(workday_in(d, lo, hi))
    return sorted(out)


def n_parts(total):
    return max(1, min(5, 1 + total // 300_000_000))


def split(total, n, key):
    """Split `total` đồng into n positive parts (each but the last a multiple of 1.000 đ)."""
    if n == 1:
        return [total]
    w = [0.5 + h(f"{key}#w{i}") for i in range(n)]
    s = sum(w)
    parts = [int(total * wi / s) // 1000 * 1000 for wi in w[:-1]]
    parts.append(total - sum(parts))
    assert all(p > 0 for p in parts) and sum(parts) == total
    return parts


def eid(name):
    return str(uuid.uuid5(NAMESPACE, name))


# ----------------------------------------------------------------------------------------
# Event builders.
# ----------------------------------------------------------------------------------------
RANK = {"open_line": 0, "allocate": 1, "carry_over": 2, "transfer": 3, "disburse": 4,
        "refund": 5, "reduce": 6, "lapse": 7}
EVENTS = []  # (date, rank, seq, event dict)


def emit(name, typ, date, body, document=None, note=None, actor=ACTOR):
    ev = {"id": eid(f"{typ}:{name}"), "type": typ, "effective_date": date.isoformat()}
    ev.update(body)
    if document is not None:
        ev["document"] = document
    if actor:
        ev["actor"] = actor
    if note:
        ev["note"] = note
    EVENTS.append((date, RANK[typ], len(EVENTS), ev))
    return ev


def open_line(code, program, project, subproject, capital, source, plan_year, origin,
              work=None, name=None, date=None):
    body = {"line": code, "program": program}
    if project:
        body["project"] = project
    if subproject:
        body["subproject"] = subproject
    body.update({"capital": capital, "source": source, "plan_year": plan_year, "origin": origin})
    if work:
        body["work"] = work
    if name:
        body["name"] = name
    emit(code, "open_line", date or D(plan_year, 1, 2), body)


def allocate(key, line, amount, date, document, note=None):
    emit(key, "allocate", date, {"line": line, "amount": str(amount)}, document, note)


def reduce(key, line, amount, date, document, note=None):
    emit(key, "reduce", date, {"line": line, "amount": str(amount)}, document, note)


def lapse(key, line, amount, date, document, note=None):
    """Hủy dự toán: unspent plan cancelled after the year's end (its own column, issue 12)."""
    emit(key, "lapse", date, {"line": line, "amount": str(amount)}, document, note)


def move(typ, key, frm, to, amount, date, document, note=None):
    emit(key, typ, date, {"from": frm, "to": to, "amount": str(amount)}, document, note)


VOUCHERS = []  # disburse/refund events whose document numbers are assigned after sorting


def disburse(key, line, amount, date, capital, payee=None, note=None):
    body = {"line": line, "amount": str(amount)}
    if payee:
        body["payee"] = payee
    ev = emit(key, "disburse", date, body, {"number": "?", "date": date.isoformat()}, note)
    VOUCHERS.append((ev, "GRDT" if capital == "recurrent" else "TTVĐT"))


def refund(key, line, amount, date, note):
    ev = emit(key, "refund", date, {"line": line, "amount": str(amount)},
              {"number": "?", "date": date.isoformat()}, note)
    VOUCHERS.append((ev, "GNT"))


def issuer_on(date):
    return "UBND huyện" if date < D(2025, 7, 1) else "UBND xã Lùng Phình"


def disburse_series(key, line, total, capital, windows, payee=None, cap_before=None):
    """Disburse `total` in vouchers. `windows` = [(lo, hi)] or [(lo1, hi1), (lo2, hi2)]
    where the first window must not take more than `cap_before` đồng (plan available then)."""
    if total == 0:
        return
    parts = split(total, n_parts(total), key)
    if len(windows) == 1:
        groups = [parts]
    else:
        k = len(parts) // 2
        while k > 0 and sum(parts[:k]) > cap_before:
            k -= 1
        groups = [parts[:k], parts[k:]]
    i = 0
    for (lo, hi), group in zip(windows, groups):
        for d, amount in zip(dates_in(f"{key}#{lo}", len(group), lo, hi), group):
            disburse(f"{key}#{i}", line, amount, d, capital, payee)
            i += 1


# ----------------------------------------------------------------------------------------
# Resolve remainders so that the exact sums hit the targets.
# ----------------------------------------------------------------------------------------
def resolve():
    rec = [list(r) for r in RECURRENT]
    for prog, t_in, t_cn, t_disb in (("DTTS", T_DTTS_INYEAR_PLAN, T_DTTS_CARRIED_PLAN, T_DTTS_DISB),
                                     ("GNBV", T_GNBV_INYEAR_PLAN, T_GNBV_CARRIED_PLAN, T_GNBV_DISB)):
        rows = [r for r in rec if r[0] == prog]
        known_in = sum(r[4] for r in rows if r[4] is not None)
        known_cn = sum(r[6][0] for r in rows if r[6] and r[6][0] is not None)
        known_d = sum(r[5] for r in rows) + sum(r[6][1] for r in rows if r[6] and r[6][1] is not None)
        for r in rows:
            if r[4] is None:
                r[4] = t_in - known_in
            if r[6] and r[6][0] is None:
                r[6] = (t_cn - known_cn, r[6][1])
            if r[6] and r[6][1] is None:
                r[6] = (r[6][0], t_disb - known_d)
    works = [list(w) for w in WORKS]
    kd_plan = sum(w[6][0] for w in works if w[6])
    known_plan = sum(w[4] for w in works if w[4] is not None) + kd_plan
    known_disb = sum(w[5] for w in works if w[5] is not None) + sum(w[6][1] for w in works if w[6])
    for w in works:
        if w[4] is None:
            w[4] = T_INVEST_PLAN - known_plan
        if w[5] is None:
            w[5] = T_INVEST_DISB - known_disb
    for r in rec:
        assert 0 <= r[5] <= r[4], r
        if r[6]:
            assert 0 < r[6][0] and 0 <= r[6][1] <= r[6][0], r
    for w in works:
        assert 300_000_000 <= w[4] and 0 <= w[5] <= w[4], w
    return rec, works


def rec_code(year, prog, proj, sub, source, carried=False):
    parts = [str(year), prog, "SN", proj] + ([sub] if sub else []) + [source]
    return "/".join(parts) + ("/CN" if carried else "")


def rec_name(year, prog, proj, sub, source, origin):
    kind = {"in_year": "vốn giao trong năm", "carried_over": "vốn chuyển nguồn từ năm 2024"}[origin]
    return f"{PROGRAM_NAMES[prog]} – {PROJECT_NAMES[(prog, proj, sub)]} – vốn sự nghiệp {source} {year}, {kind}"


def work_name(no, kind):
    return f"Công trình {no:02d} (minh họa) – {kind}"


# ----------------------------------------------------------------------------------------
# The story.
# ----------------------------------------------------------------------------------------
# Plan adjustments on 2025 lines (net figures above are after these).
TRANSFERS = [  # (from, to, amount)
    ("2025/DTTS/SN/DA6/NSTW", "2025/DTTS/SN/DA1/NSTW", 85_420_000),
    ("2025/DTTS/DT/CT12", "2025/DTTS/DT/CT04", 48_500_000),
]
REDUCES_2025 = [("2025/GNBV/SN/DA6/NSTW", 23_150_000)]
# Refunds on 2025 lines: an extra voucher later returned (net disbursed unchanged).
REFUNDS = [  # (line, capital, amount, pay date, refund date, payee, note)
    ("2025/GNBV/SN/DA3/TDA1/NSTW", "recurrent", 12_450_000, D(2025, 9, 24), D(2025, 10, 21),
     "Hộ thụ hưởng hỗ trợ phát triển sản xuất (minh họa)",
     "Nộp trả kinh phí hỗ trợ chi sai đối tượng (hộ đã thoát nghèo trước thời điểm hỗ trợ)"),
    ("2025/DTTS/DT/CT06", "investment", 35_600_000, D(2025, 6, 12), D(2025, 8, 7),
     "Nhà thầu thi công công trình 06 (minh họa)",
     "Thu hồi tạm ứng hợp đồng thi công vượt mức theo kết quả kiểm soát chi"),
]
# Vouchers dated after the as-of date: must NOT appear in the 2025-11-20 figures.
LATE = [  # (line, capital, amount, date)
    ("2025/DTTS/SN/DA3/TDA1/NSTW", "recurrent", 176_385_000, D(2025, 11, 21)),
    ("2025/GNBV/SN/DA3/TDA1/NSTW/CN", "recurrent", None, D(2025, 11, 25)),  # None: the rest
    ("2025/GNBV/SN/DA7/TDA1/NSTW", "recurrent", 94_612_000, D(2025, 11, 27)),
    ("2025/DTTS/DT/CT02", "investment", 263_475_000, D(2025, 12, 4)),
    ("2025/DTTS/DT/CT17", "investment", 148_930_000, D(2025, 12, 10)),
]
# One voucher exactly on the as-of date: it MUST count (as-of is end of day, inclusive).
ON_CUTOFF = ("2025/GNBV/SN/DA2/NSTW", 87_265_000)
# 2024 plan left unspent and neither carried nor extended: cancelled (hủy dự toán).
CANCEL_2024 = {"2024/DTTS/SN/DA8/NSTW": 3_215_000, "2024/GNBV/SN/DA2/NSTW": 7_480_000,
               "2024/DTTS/DT/CT08": 12_365_000}
# 2024 investment paid in January 2025 (allowed until 31/01 of the following year).
JAN_2025_PAYMENT = {"2024/DTTS/DT/CT03": (D(2025, 1, 21), 164_238_000)}


def net_adjust(line):
    """transfers out − transfers in + reduces on a 2025 line (what allocations must add)."""
    x = 0
    for frm, to, a in TRANSFERS:
        x += a if frm == line else 0
        x -= a if to == line else 0
    x += sum(a for l, a in REDUCES_2025 if l == line)
    return x


def build():
    rec, works = resolve()
    late = {l: (a, d) for l, _, a, d in LATE}
    refunds = {r[0]: r for r in REFUNDS}

    # ---------------- recurrent ----------------
    for prog, proj, sub, src, plan_in, disb_in, cn in rec:
        line = rec_code(2025, prog, proj, sub, src)
        open_line(line, prog, proj, sub, "recurrent", src, 2025, "in_year",
                  name=rec_name(2025, prog, proj, sub, src, "in_year"))
        alloc_total = plan_in + net_adjust(line)
        first = int(alloc_total * (0.55 + 0.15 * h(line + "#first"))) // 1000 * 1000
        d1, doc1 = D(2025, 2, 14), DOC_2025_SN[prog]
        d2, doc2 = D.fromisoformat(DOC_SUPP[prog]["date"]), DOC_SUPP[prog]
        allocate(line + "#1", line, first, d1, doc1,
                 "Giao dự toán vốn sự nghiệp năm 2025 (đợt 1)" + ILL)
        allocate(line + "#2", line, alloc_total - first, d2, doc2,
                 "Bổ sung dự toán theo kế hoạch thực hiện năm 2025 của UBND xã")
        extra = 0
        if line == ON_CUTOFF[0]:
            extra = ON_CUTOFF[1]
            disburse(line + "#cutoff", line, extra, CUTOFF, "recurrent",
                     note="Chứng từ ghi ngày 20/11/2025: thuộc số liệu đến hết ngày báo cáo")
        disburse_series(line, line, disb_in - extra, "recurrent",
                        [(D(2025, 3, 3), d2 - dt.timedelta(days=2)), (d2 + dt.timedelta(days=1), D(2025, 11, 19))],
                        cap_before=first)
        if cn:
            plan_cn, disb_cn = cn
            src24 = rec_code(2024, prog, proj, sub, src)
            cnl = rec_code(2025, prog, proj, sub, src, carried=True)
            open_line(src24, prog, proj, sub, "recurrent", src, 2024, "in_year",
                      name=rec_name(2024, prog, proj, sub, src, "in_year"))
            open_line(cnl, prog, proj, sub, "recurrent", src, 2025, "carried_over",
                      name=rec_name(2025, prog, proj, sub, src, "carried_over"))
            d24 = int(plan_cn * (0.8 + 1.6 * h(src24 + "#spent"))) // 1000 * 1000 + 1000 * int(997 * h(src24))
            cancel = CANCEL_2024.get(src24, 0)
            a24 = d24 + plan_cn + cancel
            f24 = int(a24 * (0.6 + 0.2 * h(src24 + "#first"))) // 1000 * 1000
            allocate(src24 + "#1", src24, f24, D(2024, 3, 8), DOC_2024_SN_1,
                     "Giao dự toán vốn sự nghiệp năm 2024" + ILL)
            allocate(src24 + "#2", src24, a24 - f24, D(2024, 7, 22), DOC_2024_SN_2,
                     "Bổ sung dự toán vốn sự nghiệp năm 2024" + ILL)
            disburse_series(src24, src24, d24, "recurrent",
                            [(D(2024, 3, 25), D(2024, 7, 19)), (D(2024, 7, 23), D(2024, 12, 27))],
                            cap_before=f24)
            move("carry_over", cnl, src24, cnl, plan_cn, D(2025, 1, 17), DOC_CARRY_SN,
                 "Chuyển nguồn kinh phí năm 2024 chưa sử dụng hết sang năm 2025" + ILL)
            if cancel:
                lapse(src24 + "#cancel", src24, cancel, D(2025, 1, 17), DOC_CANCEL_SN,
                       "Hủy dự toán năm 2024 không đủ điều kiện chuyển nguồn" + ILL)
            n_late = late.get(cnl)
            disburse_series(cnl, cnl, disb_cn, "recurrent", [(D(2025, 2, 10), D(2025, 11, 19))])
            if n_late:
                amount = n_late[0] if n_late[0] is not None else plan_cn - disb_cn
                disburse(cnl + "#late", cnl, amount, n_late[1], "recurrent")
        if line in late:
            amount, d = late[line]
            disburse(line + "#late", line, amount, d, "recurrent")
        if line in refunds:
            _, cap, amount, dpay, dref, payee, note = refunds[line]
            disburse(line + "#refunded", line, amount, dpay, cap, payee)
            refund(line + "#refund", line, amount, dref, note)

    # ---------------- investment ----------------
    for no, kind, proj, sub, plan_in, disb_in, kd in works:
        code = f"2025/DTTS/DT/CT{no:02d}"
        work = work_name(no, kind)
        payee = f"Nhà thầu thi công công trình {no:02d} (minh họa)"
        open_line(code, "DTTS", proj, sub, "investment", "NSTW", 2025, "in_year", work=work,
                  name=f"Vốn ĐTPT NSTW năm 2025 – {work}")
        allocate(code, code, plan_in + net_adjust(code), D(2025, 1, 10), DOC_2025_DT,
                 "Giao kế hoạch vốn đầu tư phát triển NSTW năm 2025" + ILL)
        disburse_series(code, code, disb_in, "investment", [(D(2025, 4, 1), D(2025, 11, 19))], payee)
        if kd:
            plan_kd, disb_kd = kd
            c24 = f"2024/DTTS/DT/CT{no:02d}"
            kdl = code + "/KD"
            open_line(c24, "DTTS", proj, sub, "investment", "NSTW", 2024, "in_year", work=work,
                      name=f"Vốn ĐTPT NSTW năm 2024 – {work}")
            open_line(kdl, "DTTS", proj, sub, "investment", "NSTW", 2025, "extended", work=work,
                      name=f"Vốn ĐTPT NSTW năm 2024 kéo dài sang năm 2025 – {work}")
            d24 = int(plan_kd * (1.0 + 1.5 * h(c24 + "#spent"))) // 1000 * 1000
            jan = JAN_2025_PAYMENT.get(c24)
            cancel = CANCEL_2024.get(c24, 0)
            a24 = d24 + (jan[1] if jan else 0) + plan_kd + cancel
            allocate(c24, c24, a24, D(2024, 1, 15), DOC_2024_DT,
                     "Giao kế hoạch vốn đầu tư phát triển NSTW năm 2024" + ILL)
            disburse_series(c24, c24, d24, "investment", [(D(2024, 3, 15), D(2024, 12, 27))], payee)
            if jan:
                disburse(c24 + "#jan", c24, jan[1], jan[0], "investment", payee,
                         "Giải ngân kế hoạch vốn năm 2024 trong thời hạn đến 31/01/2025")
            move("carry_over", kdl, c24, kdl, plan_kd, D(2025, 2, 20), DOC_EXTEND_DT,
                 "Kéo dài thời gian thực hiện và giải ngân kế hoạch vốn năm 2024 sang năm 2025" + ILL)
            if cancel:
                lapse(c24 + "#cancel", c24, cancel, D(2025, 2, 20), DOC_EXTEND_DT,
                       "Phần vốn năm 2024 không đề nghị kéo dài: hủy kế hoạch" + ILL)
            disburse_series(kdl, kdl, disb_kd, "investment", [(D(2025, 3, 3), D(2025, 11, 19))], payee)
        if code in late:
            amount, d = late[code]
            disburse(code + "#late", code, amount, d, "investment", payee)
        if code in refunds:
            _, cap, amount, dpay, dref, rpayee, note = refunds[code]
            disburse(code + "#refunded", code, amount, dpay, cap, rpayee, "Tạm ứng hợp đồng")
            refund(code + "#refund", code, amount, dref, note)

    # ---------------- adjustments ----------------
    for frm, to, amount in TRANSFERS:
        move("transfer", f"{frm}->{to}", frm, to, amount, D(2025, 9, 15), DOC_ADJUST,
             "Điều chỉnh kế hoạch vốn giữa các nội dung theo Kế hoạch số 49/KH-UBND")
    for line, amount in REDUCES_2025:
        reduce(line + "#2025", line, amount, D(2025, 10, 14), DOC_REDUCE,
               "Thu hồi dự toán nội dung không có khả năng thực hiện trong năm 2025" + ILL)

    # ---------------- order, number vouchers, write ----------------
    EVENTS.sort(key=lambda e: (e[0], e[1], e[2]))
    counters = {}
    ordered = [e[3] for e in EVENTS]
    for ev in ordered:
        for v, series in VOUCHERS:
            if v is ev:
                d = D.fromisoformat(ev["effective_date"])
                n = counters[(series, d.year)] = counters.get((series, d.year), 0) + 1
                ev["document"] = {"number": f"{series}-{d.year}-{n:04d}", "date": d.isoformat(),
                                  "issuer": issuer_on(d)}
    ids = [e["id"] for e in ordered]
    assert len(ids) == len(set(ids)), "duplicate ids"
    with OUT.open("w", encoding="utf-8", newline="\n") as f:
        for ev in ordered:
            f.write(json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {len(ordered)} events to {OUT}")


# ----------------------------------------------------------------------------------------
# Issue 16: the facts of sections I and III, a second batch (facts.jsonl) recorded after the
# money, so the money's sequences 1–277 stay as they were. Documents: the real ones named in
# section I of the seed. Indicator figures: section III of the seed; the documents they rest
# on (the survey decision, the criteria review) are illustrative (số hiệu minh họa).
# ----------------------------------------------------------------------------------------
FACTS_OUT = Path(__file__).with_name("facts.jsonl")
XA = "UBND xã Lùng Phình"
REGISTER = [
    ("45/QĐ-ĐU", D(2025, 7, 16), "Đảng ủy xã Lùng Phình", "QĐ", None, None,
     "việc thành lập Ban Chỉ đạo các Chương trình mục tiêu Quốc gia trên địa bàn xã Lùng Phình, giai đoạn 2021 - 2025"),
    ("109/QĐ-UBND", D(2025, 7, 30), XA, "QĐ", None, None,
     "việc phân công nhiệm vụ các đồng chí Thường trực Đảng uỷ - UBND xã phụ trách, theo dõi chỉ đạo; các cơ quan, đơn vị chủ trì phối hợp thực hiện các nội dung, tiểu dự án, dự án thành phần thuộc các Chương trình mục tiêu quốc gia giai đoạn 2021-2025 trên địa bàn xã Lùng Phình"),
    ("33/KH-UBND", D(2025, 8, 20), XA, "KH", "GNBV", None,
     "Kế hoạch thực hiện chương trình mục tiêu quốc gia giảm nghèo bền vững trên địa bàn xã Lùng Phình, năm 2025"),
    ("44/KH-UBND", D(2025, 9, 8), XA, "KH", "DTTS", None,
     "Kế hoạch Thực hiện Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi trên địa bàn xã Lùng Phình năm 2025"),
    ("49/KH-UBND", D(2025, 9, 15), XA, "KH", "DTTS", "44/KH-UBND",
     "Điều chỉnh, bổ sung một số nội dung Kế hoạch số 44/KH-UBND ngày 08/9/2025 của UBND xã Lùng Phình về thực hiện Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi trên địa bàn xã Lùng Phình năm 2025"),
]
SURVEY = doc("168/QĐ-UBND", D(2025, 11, 14), XA)
CRITERIA_REVIEW = doc("170/BC-UBND", D(2025, 11, 17), XA)
DTTS_RATES = [("DTTS.TRUYEN_HINH", "100", False), ("DTTS.PHAT_THANH", "100", False),
              ("DTTS.HOC_THPT", "95", True), ("DTTS.BHYT", "100", False),
              ("DTTS.KHAM_THAI", "84", True), ("DTTS.DAO_TAO_NGHE", "67", True)]
CRITERIA_MET = {3, 4, 7, 8, 9, 13, 14, 18}


def facts():
    out = []
    for number, date, issuer, form, program, amends, subject in REGISTER:
        ev = {"id": eid(f"register_document:{number}"), "type": "register_document",
              "effective_date": date.isoformat(), "form": form, "subject": subject}
        if program:
            ev["program"] = program
        if amends:
            ev["amends"] = amends
        ev["document"] = doc(number, date, issuer)
        ev["actor"] = ACTOR
        out.append(ev)

    def indicator(code, body, document, date, note=None):
        ev = {"id": eid(f"record_indicator:{code}:2025"), "type": "record_indicator",
              "effective_date": date.isoformat(), "indicator": code, "period": "2025"}
        ev.update(body)
        ev["document"] = document
        ev["actor"] = ACTOR
        ev["note"] = (note + ILL) if note else ILL.strip()
        out.append(ev)

    on = D(2025, 11, 14)
    for code, value, above in DTTS_RATES:
        body = {"value": value, "unit": "%"}
        if above:
            body["above"] = True
        indicator(code, body, SURVEY, on)
    indicator("GNBV.SO_HO", {"value": "2239", "unit": "hộ"}, SURVEY, on)
    indicator("GNBV.HO_NGHEO", {"value": "25.46", "numerator": "570", "denominator": "2239", "unit": "%"}, SURVEY, on)
    indicator("GNBV.GIAM_NGHEO", {"value": "13.52", "unit": "điểm %", "target": "12.84"}, SURVEY, on)
    indicator("GNBV.HO_CAN_NGHEO", {"value": "18.36", "numerator": "411", "denominator": "2239", "unit": "%"}, SURVEY, on)
    indicator("GNBV.THU_NHAP", {"value": "39.02", "unit": "triệu đồng/người/năm"}, SURVEY, on)
    for n in range(1, 20):
        indicator(f"NTM.TC{n:02d}", {"value": n in CRITERIA_MET, "unit": "đạt"}, CRITERIA_REVIEW,
                  D(2025, 11, 17))
    with FACTS_OUT.open("w", encoding="utf-8", newline="\n") as f:
        for ev in out:
            f.write(json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {len(out)} events to {FACTS_OUT}")


if __name__ == "__main__":
    build()
    facts()
