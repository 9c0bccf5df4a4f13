//! Records kept in fixed-size chunks that never move, found by ID through a small index.
//!
//! A hash map holding the records inline moves every one of them each time it grows (and
//! leaves up to half its slots empty); here growth allocates one more chunk, the index moves
//! only IDs and slot numbers, and scans read the chunks in order.
//!
//! Each record is behind an `Arc`, so that a copy of the table (an export, under the
//! project's lock) copies pointers, not records; a record changed while such a copy holds it
//! is copied then ([`Arc::make_mut`]).

use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;
use uuid::Uuid;

/// Records per chunk: big enough that scans stay sequential, small enough that an almost
/// empty project stays small.
const CHUNK: usize = 1024;

#[derive(Debug)]
pub struct Table<T> {
    chunks: Vec<Vec<Option<Arc<T>>>>,
    index: HashMap<Uuid, u32>,
    /// Slots emptied by `remove`, reused before a new chunk is allocated.
    free: Vec<u32>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { chunks: Vec::new(), index: HashMap::new(), free: Vec::new() }
    }
}

fn place(slot: u32) -> (usize, usize) {
    (slot as usize / CHUNK, slot as usize % CHUNK)
}

impl<T: Clone> Table<T> {
    pub fn get(&self, id: &Uuid) -> Option<&T> {
        let (c, i) = place(*self.index.get(id)?);
        self.chunks[c][i].as_deref()
    }

    /// The record to change (copied first if a copy of the table still holds it).
    pub fn get_mut(&mut self, id: &Uuid) -> Option<&mut T> {
        let (c, i) = place(*self.index.get(id)?);
        self.chunks[c][i].as_mut().map(Arc::make_mut)
    }

    /// Stores `record` under `id`, replacing (and returning) the one stored there before.
    pub fn insert(&mut self, id: Uuid, record: T) -> Option<Arc<T>> {
        let record = Arc::new(record);
        if let Some(&slot) = self.index.get(&id) {
            let (c, i) = place(slot);
            return self.chunks[c][i].replace(record);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                let (c, i) = place(slot);
                self.chunks[c][i] = Some(record);
                slot
            }
            None => {
                if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
                    // The first chunk grows as needed, so that small projects stay small.
                    self.chunks.push(Vec::with_capacity(if self.chunks.is_empty() {
                        0
                    } else {
                        CHUNK
                    }));
                }
                let last = self.chunks.len() - 1;
                let chunk = &mut self.chunks[last];
                chunk.push(Some(record));
                u32::try_from(last * CHUNK + chunk.len() - 1).expect("fewer than 2^32 records")
            }
        };
        self.index.insert(id, slot);
        None
    }

    pub fn remove(&mut self, id: &Uuid) -> Option<Arc<T>> {
        let slot = self.index.remove(id)?;
        self.free.push(slot);
        let (c, i) = place(slot);
        self.chunks[c][i].take()
    }

    /// Every record, in storage order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten().flatten().map(|r| &**r)
    }

    /// The record under `id` as shared: a copy of it is a pointer's.
    pub fn shared(&self, id: &Uuid) -> Option<&Arc<T>> {
        let (c, i) = place(*self.index.get(id)?);
        self.chunks[c][i].as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn keeps_finds_replaces_and_removes_across_chunks() {
        let mut t = Table::default();
        let n = (CHUNK * 2 + 5) as u128;
        for k in 0..n {
            assert_eq!(t.insert(id(k), k), None);
        }
        assert_eq!(t.values().count(), n as usize);
        assert_eq!(t.get(&id(CHUNK as u128 + 3)), Some(&(CHUNK as u128 + 3)));
        assert_eq!(t.insert(id(7), 700), Some(Arc::new(7)));
        *t.get_mut(&id(8)).unwrap() = 800;
        assert_eq!(t.remove(&id(9)), Some(Arc::new(9)));
        assert_eq!(t.remove(&id(9)), None);
        assert_eq!(t.get(&id(9)), None);
        let mut seen: Vec<u128> = t.values().copied().collect();
        seen.sort_unstable();
        let mut expected: Vec<u128> = (0..n)
            .filter(|k| *k != 9)
            .map(|k| {
                if k == 7 {
                    700
                } else if k == 8 {
                    800
                } else {
                    k
                }
            })
            .collect();
        expected.sort_unstable();
        assert_eq!(seen, expected);
    }

    #[test]
    fn a_record_shared_with_a_copy_is_copied_when_changed() {
        let mut t = Table::default();
        t.insert(id(1), 1);
        let copy = t.shared(&id(1)).cloned().unwrap();
        *t.get_mut(&id(1)).unwrap() = 2;
        assert_eq!((*copy, t.get(&id(1))), (1, Some(&2)), "the copy keeps what it took");
    }

    #[test]
    fn reuses_emptied_slots_before_growing() {
        let mut t = Table::default();
        for k in 0..CHUNK as u128 {
            t.insert(id(k), k);
        }
        t.remove(&id(3));
        t.insert(id(10_000), 1);
        assert_eq!(t.chunks.len(), 1, "the emptied slot was reused");
        assert_eq!(t.get(&id(10_000)), Some(&1));
        assert_eq!(t.values().count(), CHUNK);
    }
}
