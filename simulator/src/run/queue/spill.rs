//! How the queue's rows are written to the sorters' temporary files and
//! read back ([`Spill`]): little-endian fields, each type's own layout.

use bursar_runtime::{Claim, Given, Money, Outcome};
use chrono::NaiveDate;

use super::{PairRow, Queued, Tagged, WaitingRow};
use crate::compare::Payment;
use crate::persons::PersonRow;
use crate::sorted::Spill;
use crate::tally::{Settling, Timing};

/// A claim as the runtime writes it, then its settling: the quota (0 for
/// none, else 1 + its index), the total, the awards, the timing if any,
/// and the two days (0 for none, else 1 + days from the common era).
impl Spill for Queued {
    fn write(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        self.claim.encode(out);
        let s = &self.settling;
        put_u64(out, s.quota.map_or(0, |q| u64::from(q) + 1));
        put_money(out, s.total);
        put_u64(out, s.awards.len() as u64);
        for &(category, amount) in &s.awards {
            put_u64(out, u64::from(category));
            put_money(out, amount);
        }
        match &s.timing {
            None => out.push(0),
            Some(t) => {
                out.push(1);
                put_u64(out, t.rounds.len() as u64);
                for &(round, amount) in &t.rounds {
                    put_u64(out, u64::from(round));
                    put_money(out, amount);
                }
                put_u64(out, t.dated.len() as u64);
                for &(amount, day) in &t.dated {
                    put_money(out, amount);
                    put_day(out, Some(day));
                }
                put_u64(out, t.pending.len() as u64);
                for &amount in &t.pending {
                    put_money(out, amount);
                }
            }
        }
        put_day(out, s.latest);
        put_day(out, s.expected);
        Ok(())
    }

    fn held(&self) -> usize {
        let s = &self.settling;
        let timing = s.timing.as_ref().map_or(0, |t| {
            std::mem::size_of::<Timing>() + 16 * (t.rounds.len() + t.dated.len() + t.pending.len())
        });
        std::mem::size_of::<Queued>() + self.claim.id.len() + 16 * s.awards.len() + timing
    }

    fn read(mut bytes: &[u8]) -> Option<Queued> {
        let b = &mut bytes;
        let claim = Claim::decode(b)?;
        let quota = match take_u64(b)? {
            0 => None,
            q => Some(u32::try_from(q - 1).ok()?),
        };
        let total = take_money(b)?;
        let awards = take_list(b, |b| Some((take_u32(b)?, take_money(b)?)))?;
        let timing = match take_byte(b)? {
            0 => None,
            1 => Some(Box::new(Timing {
                rounds: take_list(b, |b| Some((take_u32(b)?, take_money(b)?)))?,
                dated: take_list(b, |b| Some((take_money(b)?, take_day(b)??)))?,
                pending: take_list(b, take_money)?,
            })),
            _ => return None,
        };
        let latest = take_day(b)?;
        let expected = take_day(b)?;
        bytes.is_empty().then_some(Queued {
            claim,
            settling: Settling {
                quota,
                total,
                awards,
                timing,
                latest,
                expected,
            },
        })
    }
}

/// The tag, then the row ([`put_row`]).
impl Spill for WaitingRow {
    fn write(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        put_u64(out, self.tag);
        put_row(out, &self.row);
        Ok(())
    }

    fn read(mut bytes: &[u8]) -> Option<WaitingRow> {
        let b = &mut bytes;
        let tag = take_u64(b)?;
        let row = take_row(b)?;
        bytes.is_empty().then_some(WaitingRow { tag, row })
    }

    fn held(&self) -> usize {
        std::mem::size_of::<WaitingRow>() + row_text(&self.row)
    }
}

/// The tag, the rank, and what is paid (a flag byte and 8 bytes).
impl Spill for Tagged {
    fn write(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        put_u64(out, self.tag);
        put_u64(out, self.given.rank);
        put_flagged(out, self.given.paid.map(|m| m.minor() as u64));
        Ok(())
    }

    fn read(mut bytes: &[u8]) -> Option<Tagged> {
        let b = &mut bytes;
        let tag = take_u64(b)?;
        let rank = take_u64(b)?;
        let paid = take_flagged(b)?.map(|m| Money(m as i64));
        bytes.is_empty().then_some(Tagged {
            tag,
            given: Given { rank, paid },
        })
    }

    fn held(&self) -> usize {
        std::mem::size_of::<Tagged>()
    }
}

/// Per side: the tag, what is paid, the category (the tag and category
/// as numbers that may be absent); then a flag byte, and with it both
/// sides' rows ([`put_row`]).
impl Spill for PairRow {
    fn write(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        for (tag, pay) in self.tags.iter().zip(&self.pays) {
            put_flagged(out, *tag);
            put_money(out, pay.paid);
            put_flagged(out, pay.category.map(u64::from));
        }
        match &self.rows {
            None => out.push(0),
            Some(rows) => {
                out.push(1);
                for row in rows.iter() {
                    put_row(out, row);
                }
            }
        }
        Ok(())
    }

    fn read(mut bytes: &[u8]) -> Option<PairRow> {
        let b = &mut bytes;
        let side = |b: &mut &[u8]| -> Option<(Option<u64>, Payment)> {
            let tag = take_flagged(b)?;
            let paid = take_money(b)?;
            let category = take_flagged(b)?.map(u32::try_from).transpose().ok()?;
            Some((tag, Payment { paid, category }))
        };
        let (t0, p0) = side(b)?;
        let (t1, p1) = side(b)?;
        let rows = match take_byte(b)? {
            0 => None,
            1 => Some(Box::new([take_row(b)?, take_row(b)?])),
            _ => return None,
        };
        bytes.is_empty().then_some(PairRow {
            tags: [t0, t1],
            pays: [p0, p1],
            rows,
        })
    }

    fn held(&self) -> usize {
        std::mem::size_of::<PairRow>()
            + self.rows.as_ref().map_or(0, |rows| {
                rows.iter()
                    .map(|r| std::mem::size_of::<PersonRow>() + row_text(r))
                    .sum()
            })
    }
}

/// A person's row: the row number and the amount each a flag byte and 8
/// bytes, the outcome and the other texts their length and bytes, the
/// days as a settling's.
fn put_row(out: &mut Vec<u8>, r: &PersonRow) {
    put_flagged(out, r.row);
    put_flagged(out, r.amount.map(|m| m.minor() as u64));
    for text in [
        r.outcome,
        &r.id,
        &r.category,
        &r.payers,
        &r.clause,
        &r.decided_by,
    ] {
        put_u64(out, text.len() as u64);
        out.extend_from_slice(text.as_bytes());
    }
    put_day(out, r.latest);
    put_day(out, r.expected);
}

/// A row [`put_row`] wrote; `None` for an outcome no row has.
fn take_row(b: &mut &[u8]) -> Option<PersonRow> {
    let row = take_flagged(b)?;
    let amount = take_flagged(b)?.map(|m| Money(m as i64));
    let outcome = take_text(b)?;
    let outcome = Outcome::ALL
        .iter()
        .map(|o| o.name())
        .chain([PersonRow::SKIPPED])
        .find(|name| *name == outcome)?;
    let [id, category, payers, clause, decided_by] = [(); 5].map(|()| take_text(b));
    Some(PersonRow {
        row,
        id: id?,
        outcome,
        category: category?,
        amount,
        payers: payers?,
        clause: clause?,
        decided_by: decided_by?,
        latest: take_day(b)?,
        expected: take_day(b)?,
    })
}

/// The bytes of a row's texts, held beside it.
fn row_text(r: &PersonRow) -> usize {
    [&r.id, &r.category, &r.payers, &r.clause, &r.decided_by]
        .iter()
        .map(|t| t.len())
        .sum()
}

/// A number that may be absent: a flag byte, then 8 bytes if present.
fn put_flagged(out: &mut Vec<u8>, n: Option<u64>) {
    match n {
        None => out.push(0),
        Some(n) => {
            out.push(1);
            put_u64(out, n);
        }
    }
}

/// A number [`put_flagged`] wrote: `Some(None)` for none.
fn take_flagged(bytes: &mut &[u8]) -> Option<Option<u64>> {
    match take_byte(bytes)? {
        0 => Some(None),
        1 => take_u64(bytes).map(Some),
        _ => None,
    }
}

/// A text: its length, then its bytes.
fn take_text(bytes: &mut &[u8]) -> Option<String> {
    let len = usize::try_from(take_u64(bytes)?).ok()?;
    let (text, rest) = bytes.split_at_checked(len)?;
    *bytes = rest;
    String::from_utf8(text.to_vec()).ok()
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_money(out: &mut Vec<u8>, m: Money) {
    out.extend_from_slice(&m.minor().to_le_bytes());
}

fn put_day(out: &mut Vec<u8>, day: Option<NaiveDate>) {
    use chrono::Datelike;
    let n = day.map_or(0, |d| i64::from(d.num_days_from_ce()) + 1);
    out.extend_from_slice(&n.to_le_bytes());
}

fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = bytes.split_first_chunk::<N>()?;
    *bytes = rest;
    Some(*head)
}

fn take_byte(bytes: &mut &[u8]) -> Option<u8> {
    take::<1>(bytes).map(|[b]| b)
}

fn take_u64(bytes: &mut &[u8]) -> Option<u64> {
    take(bytes).map(u64::from_le_bytes)
}

fn take_u32(bytes: &mut &[u8]) -> Option<u32> {
    u32::try_from(take_u64(bytes)?).ok()
}

fn take_money(bytes: &mut &[u8]) -> Option<Money> {
    take(bytes).map(|b| Money(i64::from_le_bytes(b)))
}

/// A day: `Some(None)` for none, `None` if the bytes do not hold one.
fn take_day(bytes: &mut &[u8]) -> Option<Option<NaiveDate>> {
    match i64::from_le_bytes(take(bytes)?) {
        0 => Some(None),
        n => NaiveDate::from_num_days_from_ce_opt(i32::try_from(n.checked_sub(1)?).ok()?).map(Some),
    }
}

/// A count, then that many items; `None` if fewer are there.
fn take_list<T>(bytes: &mut &[u8], item: impl Fn(&mut &[u8]) -> Option<T>) -> Option<Box<[T]>> {
    let n = take_u64(bytes)?;
    // Each item takes 8 bytes at least: a count beyond what is left is
    // damage, not a reason to reserve memory for it.
    if n > (bytes.len() / 8) as u64 {
        return None;
    }
    (0..n).map(|_| item(bytes)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A claim as `Claim::encode` lays it out: quota, amount, tag, four
    /// key values and their four flags, the identifier's length and text.
    fn claim(id: &str) -> Claim {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&2u32.to_le_bytes());
        bytes.extend_from_slice(&150_000i64.to_le_bytes());
        bytes.extend_from_slice(&9u64.to_le_bytes());
        for v in [5i64, 0, -3, 0] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes.extend_from_slice(&[0, 1, 0, 1]);
        bytes.extend_from_slice(&(id.len() as u64).to_le_bytes());
        bytes.extend_from_slice(id.as_bytes());
        Claim::decode(&mut bytes.as_slice()).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// What counting a claim needs comes back as it went, with or without
    /// its timing, and bytes cut short or left over are not a claim.
    #[test]
    fn a_queued_claim_reads_back_as_written() {
        let settlings = [
            Settling {
                quota: Some(2),
                total: Money(150_000),
                awards: Box::new([(0, Money(100_000)), (3, Money(50_000))]),
                timing: None,
                latest: Some(day(2025, 12, 31)),
                expected: None,
            },
            Settling {
                quota: None,
                total: Money(-1),
                awards: Box::new([]),
                timing: Some(Box::new(Timing {
                    rounds: Box::new([(1, Money(7))]),
                    dated: Box::new([(Money(3), day(1, 1, 1)), (Money(4), day(2262, 4, 11))]),
                    pending: Box::new([Money(i64::MAX), Money(i64::MIN)]),
                })),
                latest: None,
                expected: Some(day(2025, 6, 30)),
            },
        ];
        for settling in settlings {
            let queued = Queued {
                claim: claim("工会会员 00017"),
                settling,
            };
            let mut bytes = Vec::new();
            queued.write(&mut bytes).unwrap();
            let back = Queued::read(&bytes).unwrap();
            assert_eq!(
                (&back.claim, &back.settling),
                (&queued.claim, &queued.settling)
            );
            for len in 0..bytes.len() {
                assert!(Queued::read(&bytes[..len]).is_none(), "{len} bytes");
            }
            bytes.push(0);
            assert!(Queued::read(&bytes).is_none());
        }
    }

    /// A waiting person's row, what a claim was given and a compared
    /// pair come back as they went; bytes cut short or left over are not
    /// one.
    #[test]
    fn a_waiting_row_and_what_was_given_read_back_as_written() {
        let rows = [
            PersonRow {
                row: Some(17),
                id: "工会会员 00017".to_string(),
                outcome: Outcome::SubjectToQuota.name(),
                category: "grant;技能".to_string(),
                amount: Some(Money(-5)),
                payers: String::new(),
                clause: "§2".to_string(),
                decided_by: "quota a: waiting for allocation".to_string(),
                latest: Some(day(2025, 12, 31)),
                expected: None,
            },
            PersonRow {
                row: None,
                amount: None,
                outcome: Outcome::SubjectToQuota.name(),
                ..PersonRow::default()
            },
        ];
        for row in rows.clone() {
            let waiting = WaitingRow { tag: 9, row };
            let mut bytes = Vec::new();
            waiting.write(&mut bytes).unwrap();
            let back = WaitingRow::read(&bytes).unwrap();
            assert_eq!((back.tag, &back.row), (9, &waiting.row));
            for len in 0..bytes.len() {
                assert!(WaitingRow::read(&bytes[..len]).is_none(), "{len} bytes");
            }
            bytes.push(0);
            assert!(WaitingRow::read(&bytes).is_none());
        }
        for paid in [None, Some(Money(i64::MIN)), Some(Money(120_000))] {
            let tagged = Tagged {
                tag: u64::MAX,
                given: Given { rank: 3, paid },
            };
            let mut bytes = Vec::new();
            tagged.write(&mut bytes).unwrap();
            let back = Tagged::read(&bytes).unwrap();
            assert_eq!((back.tag, back.given), (u64::MAX, tagged.given));
            assert!(Tagged::read(&bytes[..bytes.len() - 1]).is_none());
        }
        // With rows of both sides (any outcome) and without.
        let paid = PersonRow {
            outcome: Outcome::Paid.name(),
            ..rows[0].clone()
        };
        let skipped = PersonRow::skipped(Some(3), "甲".as_bytes(), "why".to_string());
        for rows in [None, Some(Box::new([paid, skipped]))] {
            let pair = PairRow {
                tags: [None, Some(u64::MAX)],
                pays: [
                    Payment {
                        paid: Money(-7),
                        category: Some(u32::MAX),
                    },
                    Payment {
                        paid: Money::ZERO,
                        category: None,
                    },
                ],
                rows,
            };
            let mut bytes = Vec::new();
            pair.write(&mut bytes).unwrap();
            let back = PairRow::read(&bytes).unwrap();
            assert_eq!(
                (back.tags, back.pays, &back.rows),
                (pair.tags, pair.pays, &pair.rows)
            );
            for len in 0..bytes.len() {
                assert!(PairRow::read(&bytes[..len]).is_none(), "{len} bytes");
            }
            bytes.push(0);
            assert!(PairRow::read(&bytes).is_none());
        }
        // An outcome no row has is not a row.
        let mut bytes = Vec::new();
        let row = PersonRow {
            outcome: "maybe",
            ..PersonRow::default()
        };
        WaitingRow { tag: 1, row }.write(&mut bytes).unwrap();
        assert!(WaitingRow::read(&bytes).is_none());
    }
}
