//! `socai gen`: a deterministic synthetic workload for benchmarks and stress tests.
//!
//! A few hundred budget lines over three programs and two plan years: lines are opened and
//! allocated first, then the clock walks through both years with disbursements, supplementary
//! allocations, reductions, transfers, carry-overs into the second year, refunds, reversals and
//! backdated entries. Every event is valid by construction: the generator tracks each line's
//! day-end balances exactly as the rules do and only emits what keeps them ≥ 0.
//!
//! The same money flows are written as a ledger-cli/hledger journal (reversed events left out,
//! so the journal's balances equal the ledger's current knowledge). Pure apart from the sink:
//! the same `(events, seed)` always gives the same bytes.

use std::collections::{BTreeMap, HashSet};

use chrono::{Days, NaiveDate};
use uuid::Uuid;

use crate::core::event::{Capital, Document, Event, Kind, LineSpec, Origin};
use crate::core::money::Amount;

/// Fewest events a workload may have: the openings and first allocations take about 700.
pub const MIN_EVENTS: u64 = 1_000;
/// Most events one call generates (a bound on the caller's disk, not on memory).
pub const MAX_EVENTS: u64 = 100_000_000;

const YEARS: [i32; 2] = [2024, 2025];
/// Program → projects.
const PROGRAMS: [(&str, &[&str]); 3] = [
    (
        "DTTS",
        &[
            "DA1", "DA2", "DA3", "DA4", "DA5", "DA6", "DA7", "DA8", "DA9", "DA10",
        ],
    ),
    ("NTM", &["ND1", "ND2", "ND3", "ND4", "ND5", "ND6"]),
    ("GNBV", &["DA1", "DA2", "DA3", "DA4", "DA5", "DA6", "DA7"]),
];
const SOURCES: [&str; 2] = ["NSTW", "NSDP"];
const WORKS_PER_PROJECT: usize = 2;
/// One in this many first-year lines gets a carried-over line in the second year.
const CARRY_EVERY: usize = 3;

/// splitmix64: tiny, fast, and fully determined by the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn uuid(&mut self) -> Uuid {
        let hi = self.next() as u128;
        let lo = self.next() as u128;
        let bytes = ((hi << 64) | lo).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// One line's day-end movements as the generator knows them (mirrors `rules`).
struct Line {
    spec: LineSpec,
    /// Net (plan, disbursed) change per effective date.
    days: BTreeMap<NaiveDate, (i64, i64)>,
    plan: i64,
    disbursed: i64,
    /// The carried-over line of the next year this line feeds, if any.
    carry_to: Option<usize>,
}

impl Line {
    fn add(&mut self, date: NaiveDate, plan: i64, disbursed: i64) {
        let day = self.days.entry(date).or_insert((0, 0));
        day.0 += plan;
        day.1 += disbursed;
        self.plan += plan;
        self.disbursed += disbursed;
    }
    /// Smallest day-end (available, disbursed) over `date` and every later day.
    fn min_from(&self, date: NaiveDate) -> (i64, i64) {
        let (mut plan, mut disbursed) = (self.plan, self.disbursed);
        let (mut min_avail, mut min_disb) = (plan - disbursed, disbursed);
        for (_, (p, d)) in self
            .days
            .range((std::ops::Bound::Excluded(date), std::ops::Bound::Unbounded))
            .rev()
        {
            plan -= p;
            disbursed -= d;
            min_avail = min_avail.min(plan - disbursed);
            min_disb = min_disb.min(disbursed);
        }
        (min_avail, min_disb)
    }
}

/// A movement kept for the journal and for later reversals: (line, plan, disbursed) pairs.
struct Flow {
    id: Uuid,
    date: NaiveDate,
    kind: &'static str,
    moves: Vec<(usize, i64, i64)>,
}

/// Where generated output goes.
pub trait Sink {
    fn event(&mut self, event: &Event) -> Result<(), String>;
}

/// What was generated.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub events: u64,
    pub lines: usize,
    pub reversed: u64,
    pub backdated: u64,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
}

struct Gen<'s> {
    rng: Rng,
    lines: Vec<Line>,
    flows: Vec<Flow>,
    reversed: HashSet<Uuid>,
    /// Disbursements that may still be reversed (indexes into `flows`).
    reversible: Vec<usize>,
    sink: &'s mut dyn Sink,
    summary: Summary,
    doc_counter: u64,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn amount(value: i64) -> Amount {
    Amount::from_decimal(value.into())
        .expect("invariant: the generator draws amounts within the money bounds")
}

/// Why no workload was generated.
#[derive(Debug)]
pub enum GenError {
    /// The number of events asked for is outside `MIN_EVENTS..=MAX_EVENTS`.
    Size(String),
    /// The sink refused an event (e.g. a file could not be written).
    Sink(String),
}

impl std::fmt::Display for GenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenError::Size(m) | GenError::Sink(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for GenError {}

/// Generates `n` events from `seed` into `sink`, then returns the journal of the surviving
/// money flows (ledger-cli format).
pub fn generate(n: u64, seed: u64, sink: &mut dyn Sink) -> Result<(Summary, String), GenError> {
    if !(MIN_EVENTS..=MAX_EVENTS).contains(&n) {
        return Err(GenError::Size(format!(
            "--events must be between {MIN_EVENTS} and {MAX_EVENTS}"
        )));
    }
    let mut g = Gen {
        rng: Rng(seed),
        lines: Vec::new(),
        flows: Vec::new(),
        reversed: HashSet::new(),
        reversible: Vec::new(),
        sink,
        summary: Summary::default(),
        doc_counter: 0,
    };
    g.run(n).map_err(GenError::Sink)?;
    let journal = g.journal();
    g.summary.lines = g.lines.len();
    Ok((g.summary, journal))
}

impl Gen<'_> {
    fn run(&mut self, n: u64) -> Result<(), String> {
        let start = date(YEARS[0], 1, 2);
        let end = date(YEARS[1], 12, 31);
        let span = (end - start).num_days() as u64;
        let second_year = date(YEARS[1], 1, 2);
        let mut opened_second = false;
        self.open_year(YEARS[0], start)?;
        while self.summary.events < n {
            let i = self.summary.events;
            let clock = start + Days::new(i * span / n);
            if clock >= second_year && !opened_second {
                opened_second = true;
                self.open_year(YEARS[1], second_year)?;
                self.carry_over_all(second_year)?;
                continue;
            }
            self.step(clock)?;
        }
        Ok(())
    }

    fn emit(&mut self, event: Event) -> Result<(), String> {
        self.summary.events += 1;
        let d = event.effective_date;
        self.summary.first_date = Some(self.summary.first_date.map_or(d, |f| f.min(d)));
        self.summary.last_date = Some(self.summary.last_date.map_or(d, |l| l.max(d)));
        self.sink.event(&event)
    }

    fn document(&mut self, d: NaiveDate, prefix: &str) -> Document {
        self.doc_counter += 1;
        Document {
            number: format!("{prefix}-{}/{}", self.doc_counter, d.format("%Y")),
            date: d,
            issuer: Some("UBND xã Lùng Phình".to_string()),
        }
    }

    /// Opens every line of `year` (and the carried-over lines fed by the year before), then
    /// gives each in-year line its first allocation.
    fn open_year(&mut self, year: i32, d: NaiveDate) -> Result<(), String> {
        let first_new = self.lines.len();
        for (program, projects) in PROGRAMS {
            for project in projects {
                for source in SOURCES {
                    let sn = format!("{year}/{program}/SN/{project}/{source}");
                    self.open(
                        d,
                        &sn,
                        program,
                        project,
                        Capital::Recurrent,
                        source,
                        year,
                        None,
                    )?;
                    for w in 1..=WORKS_PER_PROJECT {
                        let work = format!("CT{w}");
                        let code = format!("{year}/{program}/DT/{project}/{work}/{source}");
                        let capital = Capital::Investment;
                        self.open(
                            d,
                            &code,
                            program,
                            project,
                            capital,
                            source,
                            year,
                            Some(work),
                        )?;
                    }
                }
            }
        }
        let in_year: Vec<usize> = (first_new..self.lines.len()).collect();
        // Carried-over lines for a share of last year's lines.
        let previous: Vec<usize> = (0..first_new)
            .filter(|&i| self.lines[i].spec.plan_year == year - 1)
            .collect();
        for (k, &from) in previous.iter().enumerate() {
            if k % CARRY_EVERY != 0 {
                continue;
            }
            let spec = self.lines[from].spec.clone();
            let code = format!("{year}/CO/{}", spec.line);
            let project = spec.project.clone().unwrap_or_default();
            let to = self.lines.len();
            self.open_spec(
                d,
                LineSpec {
                    line: code,
                    origin: Origin::CarriedOver,
                    plan_year: year,
                    name: Some(format!("{} (chuyển nguồn từ {})", project, year - 1)),
                    ..spec
                },
            )?;
            self.lines[from].carry_to = Some(to);
        }
        for i in in_year {
            let a = self.rng.range(200, 5_000) * 1_000_000;
            self.allocate(i, d, a)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn open(
        &mut self,
        d: NaiveDate,
        code: &str,
        program: &str,
        project: &str,
        capital: Capital,
        source: &str,
        year: i32,
        work: Option<String>,
    ) -> Result<(), String> {
        self.open_spec(
            d,
            LineSpec {
                line: code.to_string(),
                program: program.to_string(),
                project: Some(project.to_string()),
                subproject: None,
                capital,
                source: source.to_string(),
                plan_year: year,
                origin: Origin::InYear,
                name: Some(format!("{program} {project} {}", capital.as_str())),
                work,
            },
        )
    }

    fn open_spec(&mut self, d: NaiveDate, spec: LineSpec) -> Result<(), String> {
        let id = self.rng.uuid();
        self.lines.push(Line {
            spec: spec.clone(),
            days: BTreeMap::new(),
            plan: 0,
            disbursed: 0,
            carry_to: None,
        });
        self.emit(Event {
            id,
            effective_date: d,
            actor: Some("ke-toan".to_string()),
            note: None,
            document: None,
            kind: Kind::OpenLine(Box::new(spec)),
        })
    }

    /// Records a money event: updates the tracked balances, keeps the flow, emits the event.
    fn record(
        &mut self,
        d: NaiveDate,
        kind: Kind,
        moves: Vec<(usize, i64, i64)>,
        prefix: &str,
    ) -> Result<usize, String> {
        for &(l, p, q) in &moves {
            self.lines[l].add(d, p, q);
        }
        let id = self.rng.uuid();
        let document = self.document(d, prefix);
        let event = Event {
            id,
            effective_date: d,
            actor: Some("ke-toan".to_string()),
            note: None,
            document: Some(document),
            kind,
        };
        self.flows.push(Flow {
            id,
            date: d,
            kind: event.kind.type_name(),
            moves,
        });
        self.emit(event)?;
        Ok(self.flows.len() - 1)
    }

    fn code(&self, l: usize) -> String {
        self.lines[l].spec.line.clone()
    }

    fn allocate(&mut self, l: usize, d: NaiveDate, a: i64) -> Result<(), String> {
        let kind = Kind::Allocate {
            line: self.code(l),
            amount: amount(a),
        };
        self.record(d, kind, vec![(l, a, 0)], "QD").map(|_| ())
    }

    /// Moves about half of what each first-year line feeding a carried-over line has left.
    fn carry_over_all(&mut self, d: NaiveDate) -> Result<(), String> {
        for from in 0..self.lines.len() {
            let Some(to) = self.lines[from].carry_to else {
                continue;
            };
            let (avail, _) = self.lines[from].min_from(d);
            let a = avail / 2;
            if a < 1 {
                continue;
            }
            let kind = Kind::CarryOver {
                from: self.code(from),
                to: self.code(to),
                amount: amount(a),
            };
            self.record(d, kind, vec![(from, -a, 0), (to, a, 0)], "CN")?;
            // A quarter of what is left lapses (hủy dự toán); the rest stays for January.
            let lapse = (avail - a) / 4 / 1_000 * 1_000;
            if lapse >= 1_000 {
                let kind = Kind::Lapse {
                    line: self.code(from),
                    amount: amount(lapse),
                };
                self.record(d, kind, vec![(from, -lapse, 0)], "HDT")?;
            }
            // Every seventh line fed into the new year gets a later deadline by resolution
            // (the generator pays old lines only in January, so nothing is stranded).
            if from % 7 == 0 {
                let deadline = date(YEARS[1], 3, 31);
                let kind = Kind::SetDeadline {
                    line: self.code(from),
                    deadline,
                };
                self.record(d, kind, Vec::new(), "NQ")?;
            }
        }
        Ok(())
    }

    /// A refund on last year's line after its deadline (budget revenue, not the line's money):
    /// only from April of the new year, when every deadline of last year's lines has passed.
    fn refund_after_close(&mut self, clock: NaiveDate) -> Result<bool, String> {
        use chrono::Datelike;
        if clock.year() != YEARS[1] || clock.month() < 4 {
            return Ok(false);
        }
        let old: Vec<usize> = (0..self.lines.len())
            .filter(|&i| {
                self.lines[i].spec.plan_year == YEARS[0] && self.lines[i].disbursed >= 1_000_000
            })
            .collect();
        if old.is_empty() {
            return Ok(false);
        }
        let l = old[self.rng.below(old.len() as u64) as usize];
        let a = (self.lines[l].disbursed / 100).max(1_000) / 1_000 * 1_000;
        let kind = Kind::Refund {
            line: self.code(l),
            amount: amount(a),
            advance: false,
        };
        self.record(clock, kind, Vec::new(), "NT")?;
        Ok(true)
    }

    /// Lines that take new money movements on `clock`: the current year's lines, and last
    /// year's during January (the settlement month).
    fn active(&self, clock: NaiveDate) -> Vec<usize> {
        use chrono::Datelike;
        (0..self.lines.len())
            .filter(|&i| {
                let y = self.lines[i].spec.plan_year;
                y == clock.year() || (y == clock.year() - 1 && clock.month() == 1)
            })
            .collect()
    }

    fn step(&mut self, clock: NaiveDate) -> Result<(), String> {
        let active = self.active(clock);
        if active.is_empty() {
            return Err("no active lines".to_string());
        }
        if self.rng.chance(1) && self.refund_after_close(clock)? {
            return Ok(());
        }
        let l = active[self.rng.below(active.len() as u64) as usize];
        let floor = date(self.lines[l].spec.plan_year, 1, 2);
        // A few entries are recorded late, dated up to 45 days back (never before the year).
        let mut d = clock;
        if self.rng.chance(5) {
            let back = clock - Days::new(self.rng.range(1, 45) as u64);
            if back >= floor {
                d = back;
                self.summary.backdated += 1;
            }
        }
        let (avail, disb) = self.lines[l].min_from(d);
        let roll = self.rng.below(100);
        match roll {
            0..=61 if avail >= 2_000_000 => {
                let a = (avail / 1_000 * self.rng.range(1, 20)).max(1_000) / 1_000 * 1_000;
                let kind = Kind::Disburse {
                    line: self.code(l),
                    amount: amount(a),
                    payee: Some(format!("NCC-{}", self.rng.below(400))),
                    contract: None,
                    recovers: None,
                };
                let f = self.record(d, kind, vec![(l, 0, a)], "UNC")?;
                self.reversible.push(f);
                if self.reversible.len() > 256 {
                    self.reversible.remove(0);
                }
                Ok(())
            }
            62..=69 if avail >= 10_000_000 => {
                let a = (avail / 10).max(1) / 1_000 * 1_000;
                let kind = Kind::Reduce {
                    line: self.code(l),
                    amount: amount(a.max(1_000)),
                };
                self.record(d, kind, vec![(l, -a.max(1_000), 0)], "QD")
                    .map(|_| ())
            }
            70..=79 if avail >= 10_000_000 => {
                // A transfer keeps capital, plan year, program, source and origin (the
                // budget-year rules).
                let from = &self.lines[l].spec;
                let peers: Vec<usize> = active
                    .iter()
                    .copied()
                    .filter(|&p| {
                        let to = &self.lines[p].spec;
                        p != l
                            && to.capital == from.capital
                            && to.plan_year == from.plan_year
                            && to.program == from.program
                            && to.source == from.source
                            && to.origin == from.origin
                    })
                    .collect();
                if peers.is_empty() {
                    return self.allocate(l, d, 100_000_000);
                }
                let to = peers[self.rng.below(peers.len() as u64) as usize];
                let a = (avail / 8) / 1_000 * 1_000;
                let kind = Kind::Transfer {
                    from: self.code(l),
                    to: self.code(to),
                    amount: amount(a),
                };
                self.record(d, kind, vec![(l, -a, 0), (to, a, 0)], "DC")
                    .map(|_| ())
            }
            80..=87 if disb >= 1_000_000 => {
                let a = (disb / 20).max(1) / 1_000 * 1_000;
                let kind = Kind::Refund {
                    line: self.code(l),
                    amount: amount(a.max(1_000)),
                    advance: false,
                };
                self.record(d, kind, vec![(l, 0, -a.max(1_000))], "NT")
                    .map(|_| ())
            }
            88..=91 if !self.reversible.is_empty() => self.reverse_one(clock),
            _ => {
                let a = self.rng.range(50, 2_000) * 1_000_000;
                self.allocate(l, d, a)
            }
        }
    }

    /// Reverses a recent disbursement (a voucher recorded in error), if that keeps every day
    /// valid; otherwise records a supplementary allocation instead.
    fn reverse_one(&mut self, clock: NaiveDate) -> Result<(), String> {
        let k = self.rng.below(self.reversible.len() as u64) as usize;
        let f = self.reversible.swap_remove(k);
        let (target, target_date, moves) = {
            let flow = &self.flows[f];
            (flow.id, flow.date, flow.moves.clone())
        };
        let ok = moves.iter().all(|&(l, p, q)| {
            let (avail, disb) = self.lines[l].min_from(target_date);
            avail - p + q >= 0 && disb - q >= 0
        });
        if !ok {
            let l = moves.first().map_or(0, |m| m.0);
            return self.allocate(l, clock, 100_000_000);
        }
        for &(l, p, q) in &moves {
            self.lines[l].add(target_date, -p, -q);
        }
        self.reversed.insert(target);
        self.summary.reversed += 1;
        let document = self.document(clock, "DC-HUY");
        let id = self.rng.uuid();
        self.emit(Event {
            id,
            effective_date: clock,
            actor: Some("ke-toan".to_string()),
            note: None,
            document: Some(document),
            kind: Kind::Reverse {
                target,
                reason: "chứng từ ghi nhầm".to_string(),
            },
        })
    }

    /// The surviving flows as a ledger-cli journal: per line, `Available:<line>` and
    /// `Disbursed:<line>`, funded from `Funding`; plan = available + disbursed.
    fn journal(&self) -> String {
        let mut out = String::with_capacity(self.flows.len() * 120);
        out.push_str(
            "; socai gen: the same money flows as the import files (reversed events left out)\n",
        );
        for flow in &self.flows {
            if self.reversed.contains(&flow.id) {
                continue;
            }
            out.push_str(&format!("{} {} {}\n", flow.date, flow.kind, flow.id));
            let mut funding = 0i64;
            for &(l, p, q) in &flow.moves {
                let code = &self.lines[l].spec.line;
                // plan p moves into the line's available; disbursed q moves from available out.
                let available = p - q;
                if available != 0 {
                    out.push_str(&format!("    Available:{code}  {available} VND\n"));
                }
                if q != 0 {
                    out.push_str(&format!("    Disbursed:{code}  {q} VND\n"));
                }
                funding -= p;
            }
            if funding != 0 {
                out.push_str(&format!("    Funding  {funding} VND\n"));
            }
            out.push('\n');
        }
        out
    }
}
