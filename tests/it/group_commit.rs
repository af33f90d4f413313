//! `Ledger::append_many`, the group commit behind the server: each batch is all or nothing
//! and judged on its own, in order, and the whole group is one durable write.

use chrono::{TimeZone, Utc};
use socai::core::event::{Event, parse_line};
use socai::core::projection::{self, View};
use socai::core::rejection::Code;
use socai::ledger::{AppendError, Ledger, verify_log};
use socai::storage::OpenMode;

fn ev(text: &str) -> Event {
    parse_line(text).unwrap()
}

fn open(id: u32, line: &str) -> Event {
    ev(&format!(
        r#"{{"id":"00000000-0000-0000-0000-{id:012}","type":"open_line","effective_date":"2025-01-02","line":"{line}","program":"P","capital":"recurrent","source":"S","plan_year":2025,"origin":"in_year"}}"#
    ))
}

fn money(id: u32, kind: &str, line: &str, amount: u64) -> Event {
    ev(&format!(
        r#"{{"id":"00000000-0000-0000-0000-{id:012}","type":"{kind}","effective_date":"2025-02-01","line":"{line}","amount":"{amount}","document":{{"number":"D{id}","date":"2025-02-01"}}}}"#
    ))
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap()
}

fn groups() -> Vec<Vec<Event>> {
    vec![
        // 0: accepted
        vec![open(1, "A"), money(2, "allocate", "A", 1000)],
        // 1: refused at its second event (overspends A); its first event must not stay
        vec![open(3, "B"), money(4, "disburse", "A", 5000)],
        // 2: depends on batch 0 of the same group: accepted
        vec![money(5, "disburse", "A", 400)],
        // 3: depends on the refused batch 1: refused (B was never opened)
        vec![money(6, "allocate", "B", 10)],
        // 4: repeats batch 0's allocation (already present) and adds one
        vec![
            money(2, "allocate", "A", 1000),
            money(7, "allocate", "A", 1),
        ],
    ]
}

#[test]
fn each_batch_of_a_group_is_judged_on_its_own_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(tmp.path(), OpenMode::CreateIfMissing).unwrap();
    let results = ledger.append_many(groups(), now());
    assert_eq!(results.len(), 5);
    let ok = |i: usize| results[i].as_ref().unwrap();
    assert_eq!(ok(0).seqs, vec![1, 2]);
    assert_eq!(ok(0).head_seq, 2);
    match &results[1] {
        Err(AppendError::Rejected {
            index, rejection, ..
        }) => {
            assert_eq!(*index, 1);
            assert_eq!(rejection.code, Code::InsufficientFunds);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ok(2).seqs, vec![3]);
    match &results[3] {
        Err(AppendError::Rejected {
            index, rejection, ..
        }) => {
            assert_eq!((*index, rejection.code), (0, Code::UnknownLine));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ok(4).seqs, vec![4]);
    assert_eq!(ok(4).already_present, 1);
    // Each answer pins the head just after its own batch, with that sequence's hash.
    for i in [0, 2, 4] {
        assert_eq!(ok(i).head_hash, ledger.hash_of(ok(i).head_seq));
        assert!(ok(i).head_hash.is_some());
    }
    assert_eq!(ledger.head_seq(), 4);
    assert!(
        ledger.state().line("B").is_none(),
        "refused batch left nothing"
    );
    drop(ledger);
    // Durable: a reopened store holds exactly the accepted events, in the same order.
    let ledger = Ledger::open(tmp.path(), OpenMode::MustExist).unwrap();
    let ids: Vec<u128> = ledger
        .records()
        .iter()
        .map(|r| r.event.id.as_u128())
        .collect();
    assert_eq!(ids, vec![1, 2, 5, 7]);
}

#[test]
fn a_group_gives_the_same_log_and_figures_as_the_batches_one_by_one() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut grouped = Ledger::open(a.path(), OpenMode::CreateIfMissing).unwrap();
    let mut single = Ledger::open(b.path(), OpenMode::CreateIfMissing).unwrap();
    let together = grouped.append_many(groups(), now());
    let apart: Vec<_> = groups()
        .into_iter()
        .map(|batch| single.append(batch, now()))
        .collect();
    for (t, s) in together.iter().zip(&apart) {
        match (t, s) {
            (Ok(t), Ok(s)) => assert_eq!(t, s),
            (
                Err(AppendError::Rejected {
                    index: i,
                    rejection: r,
                    ..
                }),
                Err(AppendError::Rejected {
                    index: j,
                    rejection: q,
                    ..
                }),
            ) => {
                assert_eq!((i, r), (j, q))
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(grouped.records(), single.records());
    let view = View {
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        known_at: grouped.head_seq(),
    };
    assert_eq!(
        projection::balances(grouped.records(), view, None),
        projection::balances(single.records(), view, None)
    );
}

#[test]
fn verify_log_checks_the_stored_log_against_what_was_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(tmp.path(), OpenMode::CreateIfMissing).unwrap();
    ledger.append_many(groups(), now());
    let acknowledged: Vec<_> = (1..=4).map(|s| ledger.hash_of(s).unwrap()).collect();
    let (head, hash) = verify_log(&ledger.reader(), &acknowledged).unwrap();
    assert_eq!((head, hash), (4, ledger.hash_of(4)));
    // A process that acknowledged something else (here: a different hash at 3) is told where.
    let mut wrong = acknowledged.clone();
    wrong[2][0] ^= 1;
    let e = verify_log(&ledger.reader(), &wrong).unwrap_err();
    assert!(e.to_string().contains("sequence 3"), "{e}");
    // More acknowledged than stored: a lost tail.
    let mut more = acknowledged.clone();
    more.push([7; 32]);
    let e = verify_log(&ledger.reader(), &more).unwrap_err();
    assert!(e.to_string().contains("sequence 5"), "{e}");
}

/// The records a ledger handed over, kept where its rules read them back (as the server's
/// read view keeps them).
#[derive(Clone, Default)]
struct Kept(std::sync::Arc<std::sync::RwLock<Vec<socai::core::rules::Recorded>>>);

impl socai::core::held::Archive for Kept {
    fn recorded(&self, seq: u64) -> Option<socai::core::rules::Recorded> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.0.read().unwrap().get(index).cloned()
    }
}

fn reverse(id: u32, target: u32) -> Event {
    ev(&format!(
        r#"{{"id":"00000000-0000-0000-0000-{id:012}","type":"reverse","effective_date":"2025-02-03","target":"00000000-0000-0000-0000-{target:012}","reason":"sai","document":{{"number":"R{id}","date":"2025-02-03"}}}}"#
    ))
}

/// The outcome of a group, comparable across two ledgers.
fn outcomes(results: &[Result<socai::ledger::Appended, AppendError>]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r {
            Ok(done) => format!(
                "ok {:?} {} {}",
                done.seqs, done.already_present, done.head_seq
            ),
            Err(AppendError::Rejected {
                index, rejection, ..
            }) => {
                format!("refused {index} {}", rejection.code.as_str())
            }
            Err(e) => format!("store error {e}"),
        })
        .collect()
}

#[test]
fn a_ledger_that_handed_its_records_over_judges_every_batch_as_one_that_holds_them() {
    // The server's writer hands every durable record to the read view (one copy of the log)
    // and reads one back from it when a rule needs it: an id sent again, a reversal's target.
    let tmp = tempfile::tempdir().unwrap();
    let (whole_dir, shared_dir) = (tmp.path().join("whole"), tmp.path().join("shared"));
    let mut whole = Ledger::open(&whole_dir, OpenMode::CreateIfMissing).unwrap();
    let mut shared = Ledger::open(&shared_dir, OpenMode::CreateIfMissing).unwrap();
    let first = vec![
        open(1, "A"),
        money(2, "allocate", "A", 1000),
        money(3, "disburse", "A", 300),
    ];
    whole.append(first.clone(), now()).unwrap();
    shared.append(first, now()).unwrap();
    let kept = Kept::default();
    let handed = shared.share_records(Box::new(kept.clone()));
    assert_eq!(
        handed.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(
        shared.state().records().is_empty(),
        "the ledger keeps no copy"
    );
    kept.0.write().unwrap().extend(handed);
    // The index writer's state, from the records' holder; the index was lost meanwhile, so
    // every file is rebuilt from them.
    socai::storage::index::withdraw(&shared_dir);
    let holder = kept.clone();
    shared
        .ensure_index_from(|after, upto| {
            holder.0.read().unwrap()[after as usize..upto as usize].to_vec()
        })
        .unwrap();
    let groups = vec![
        // The same allocation again (already present: compared with the record read back),
        // and the same id with other content (refused).
        vec![
            vec![money(2, "allocate", "A", 1000)],
            vec![money(2, "allocate", "A", 7)],
        ],
        // A reversal of a handed-over record, then one of the same target again (refused).
        vec![vec![reverse(10, 3)], vec![reverse(11, 3)]],
        // Disbursing what the reversal gave back, and overspending (refused).
        vec![
            vec![money(12, "disburse", "A", 1000)],
            vec![money(13, "disburse", "A", 1)],
        ],
        // A reversal of a record of the previous group, handed over since.
        vec![vec![reverse(14, 12)]],
    ];
    for group in groups {
        let expected = outcomes(&whole.append_many(group.clone(), now()));
        let got = outcomes(&shared.append_many(group, now()));
        assert_eq!(got, expected);
        let durable = shared.take_durable();
        let before = kept.0.read().unwrap().len() as u64;
        assert_eq!(
            durable.iter().map(|r| r.seq).collect::<Vec<_>>(),
            (before + 1..=shared.head_seq()).collect::<Vec<_>>(),
            "exactly the group's durable records are handed over"
        );
        assert!(shared.take_durable().is_empty(), "each record once");
        kept.0.write().unwrap().extend(durable);
    }
    assert_eq!(*kept.0.read().unwrap(), whole.records());
    assert_eq!(shared.head_seq(), 6);
    let view = View {
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        known_at: 6,
    };
    let figures = |records: &[socai::core::rules::Recorded]| {
        format!("{:?}", projection::balances(records, view, None))
    };
    assert_eq!(figures(&kept.0.read().unwrap()), figures(whole.records()));
    // The index the shared ledger kept is the one a whole ledger keeps.
    drop((shared, whole));
    for known_at in 0..=6 {
        let q = socai::app::query::Query::Balance {
            as_of: view.as_of,
            known_at: Some(socai::core::known_at::KnownAt::Seq(known_at)),
            plan_year: None,
            format: socai::app::Format::Json,
            lang: socai::present::vi_format::Lang::Vi,
            csv_dialect: None,
        };
        let answer =
            |dir: &std::path::Path| match socai::app::indexed_query::answer(dir, &q).unwrap() {
                Some(socai::app::query::Answer::Json(v)) => v,
                other => panic!("the index did not answer at {known_at}: {other:?}"),
            };
        assert_eq!(
            answer(&shared_dir),
            answer(&whole_dir),
            "known_at {known_at}"
        );
    }
}
