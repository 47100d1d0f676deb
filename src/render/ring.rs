//! Ring-buffer arithmetic of a curve's vertex buffer: where appended points go and
//! which slots to draw, so a growing trail uploads only its new points.
//!
//! A stream's point number `g` (counting every point ever appended) lives in slot
//! `g mod C` of a buffer of `C + 1` vertices. Slot `C` mirrors slot 0, so a line strip
//! that wraps is drawn as `[start, C]` then `[0, end)` without losing the segment
//! between the last slot and the first. Pure functions; the GPU side is `gpu.rs`.

use std::ops::Range;

/// One contiguous write: `source` (indices into the newest points) goes to slots
/// starting at `slot`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Write {
    /// First slot written.
    pub slot: usize,
    /// Indices into the uploaded points.
    pub source: Range<usize>,
}

/// The writes that put stream points `first .. first + n` into a ring of `capacity`
/// slots (`n <= capacity`), the mirror slot included. Source index `i` is point
/// `first + i`.
pub(super) fn writes(first: u64, n: usize, capacity: usize) -> Vec<Write> {
    assert!(
        capacity > 0 && n <= capacity,
        "ring of {capacity} cannot take {n}"
    );
    let mut out = Vec::with_capacity(3);
    if n == 0 {
        return out;
    }
    let start = (first % capacity as u64) as usize;
    let head = n.min(capacity - start);
    out.push(Write {
        slot: start,
        source: 0..head,
    });
    if head < n {
        out.push(Write {
            slot: 0,
            source: head..n,
        });
    }
    // Whoever lands in slot 0 is copied to the mirror slot `capacity`.
    let zero = (capacity - start) % capacity;
    if zero < n {
        out.push(Write {
            slot: capacity,
            source: zero..zero + 1,
        });
    }
    out
}

/// The slot ranges that draw the newest `count` points of a stream with `appended`
/// points so far, oldest first: one range, or two when they wrap. A line strip uses
/// the mirror slot to join the two; a point list does not need it.
pub(super) fn draw_ranges(
    appended: u64,
    count: usize,
    capacity: usize,
    strip: bool,
) -> Vec<Range<u32>> {
    let count = count
        .min(capacity)
        .min(usize::try_from(appended).unwrap_or(usize::MAX));
    if count == 0 {
        return Vec::new();
    }
    let start = ((appended - count as u64) % capacity as u64) as usize;
    let end = start + count;
    let slot = |s: usize| u32::try_from(s).unwrap_or(u32::MAX);
    let mut ranges = Vec::with_capacity(2);
    if end <= capacity {
        ranges.push(slot(start)..slot(end));
        return ranges;
    }
    let wrapped = end - capacity;
    let first = if strip {
        slot(start)..slot(capacity + 1)
    } else {
        slot(start)..slot(capacity)
    };
    ranges.push(first);
    ranges.push(0..slot(wrapped));
    ranges
}

/// The slot of the newest of `appended` points.
pub(super) fn newest_slot(appended: u64, capacity: usize) -> u32 {
    let newest = appended.saturating_sub(1) % capacity.max(1) as u64;
    u32::try_from(newest).unwrap_or(u32::MAX)
}

/// How a curve's GPU ring must be updated this frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Update {
    /// Nothing new.
    None,
    /// Upload the newest `n` points only.
    Append(usize),
    /// Rebuild the whole buffer from the curve's points.
    Full,
}

/// What to upload when the GPU holds `uploaded` points of the same stream in a ring of
/// `capacity` slots and the curve now has `appended` points, the newest `len` of which
/// it still shows.
pub(super) fn plan(uploaded: u64, appended: u64, len: usize, capacity: usize) -> Update {
    if len > capacity || appended < uploaded {
        return Update::Full;
    }
    let new = appended - uploaded;
    match usize::try_from(new) {
        Ok(0) => Update::None,
        Ok(n) if n <= len => Update::Append(n),
        _ => Update::Full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CPU stand-in for the vertex buffer: appends stream points `0..total` in the
    /// given batch sizes, then returns the buffer.
    fn fill(batches: &[usize], capacity: usize) -> Vec<i64> {
        let mut buffer = vec![-1i64; capacity + 1];
        let mut next = 0u64;
        for &n in batches {
            for w in writes(next, n, capacity) {
                for (k, i) in w.source.enumerate() {
                    buffer[w.slot + k] = next as i64 + i as i64;
                }
            }
            next += n as u64;
        }
        buffer
    }

    /// The segments a line strip over `ranges` draws, as pairs of stream points.
    fn segments(buffer: &[i64], ranges: &[Range<u32>]) -> Vec<(i64, i64)> {
        ranges
            .iter()
            .flat_map(|r| {
                let v: Vec<i64> = (r.start..r.end).map(|s| buffer[s as usize]).collect();
                v.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn appends_wrap_around_and_draw_the_newest_points_in_order() {
        let capacity = 8;
        // 23 points in uneven batches: the ring wraps twice.
        let batches = [3, 5, 1, 6, 2, 6];
        let buffer = fill(&batches, capacity);
        let appended: u64 = batches.iter().map(|&n| n as u64).sum();
        assert_eq!(appended, 23);
        for count in 1..=capacity {
            let points = draw_ranges(appended, count, capacity, false);
            let drawn: Vec<i64> = points
                .iter()
                .flat_map(|r| (r.start..r.end).map(|s| buffer[s as usize]))
                .collect();
            let expected: Vec<i64> = (23 - count as i64..23).collect();
            assert_eq!(drawn, expected, "points, count {count}");
            // A strip draws exactly the consecutive pairs, across the wrap too.
            let strip = draw_ranges(appended, count, capacity, true);
            let pairs: Vec<(i64, i64)> = expected.windows(2).map(|w| (w[0], w[1])).collect();
            assert_eq!(segments(&buffer, &strip), pairs, "strip, count {count}");
        }
        assert_eq!(buffer[capacity], buffer[0], "the mirror slot copies slot 0");
        assert_eq!(newest_slot(appended, capacity) as usize, 22 % capacity);
    }

    #[test]
    fn a_batch_as_long_as_the_ring_fills_it_in_two_runs() {
        let w = writes(5, 8, 8);
        assert_eq!(
            w,
            vec![
                Write {
                    slot: 5,
                    source: 0..3
                },
                Write {
                    slot: 0,
                    source: 3..8
                },
                Write {
                    slot: 8,
                    source: 3..4
                },
            ]
        );
        assert!(writes(0, 0, 8).is_empty());
        assert_eq!(
            writes(0, 2, 8)[1],
            Write {
                slot: 8,
                source: 0..1
            }
        );
        assert_eq!(draw_ranges(0, 5, 8, true), Vec::<Range<u32>>::new());
        assert_eq!(
            draw_ranges(3, 5, 8, true),
            vec![0..3],
            "fewer points than asked"
        );
    }

    #[test]
    fn plans_append_only_what_is_new() {
        assert_eq!(plan(10, 10, 10, 16), Update::None);
        assert_eq!(plan(10, 14, 12, 16), Update::Append(4));
        // More new points than still shown, a longer trail than the ring, or a restart.
        assert_eq!(plan(10, 30, 12, 16), Update::Full);
        assert_eq!(plan(10, 14, 20, 16), Update::Full);
        assert_eq!(plan(10, 4, 4, 16), Update::Full);
    }
}
