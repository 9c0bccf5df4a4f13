//! Pages of a sorted, filtered list: `marker` (start after this item), `offset`, `limit`.
//!
//! Every order ends with the ID, so it is total and marker pagination visits each item
//! exactly once. A page is chosen in one pass plus a partial selection (no full sort), which
//! keeps a page of 100 out of a million backups cheap.

use crate::clock::Micros;
use csbs_spec::rules::Direction;
use std::cmp::Ordering;

/// Records that can be listed in an order of named keys.
pub trait Sortable {
    type Key: Copy;
    /// Compares by one key (ascending).
    fn cmp_key(&self, other: &Self, key: Self::Key, now: Micros) -> Ordering;
    /// The final tie-breaker.
    fn cmp_id(&self, other: &Self) -> Ordering;
}

/// Sort keys with directions, then the ID ascending.
#[derive(Clone, Debug)]
pub struct Order<K> {
    pub keys: Vec<(K, Direction)>,
    pub now: Micros,
}

impl<K: Copy> Order<K> {
    pub fn compare<T: Sortable<Key = K>>(&self, a: &T, b: &T) -> Ordering {
        for &(key, direction) in &self.keys {
            let ord = a.cmp_key(b, key, self.now);
            let ord = if direction == Direction::Desc { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.cmp_id(b)
    }
}

/// Which part of the ordered list to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    pub offset: usize,
}

/// A page and what surrounds it.
#[derive(Debug)]
pub struct Selected<'a, T> {
    pub items: Vec<&'a T>,
    /// Items follow the page.
    pub more: bool,
    /// Every item that matched the filters (markers and pages aside).
    pub total: usize,
}

/// Picks the page of `candidates` (already filtered) that starts after `after` (the marker
/// item, which need not match the filters) and `offset` more.
pub fn select<'a, T, K>(
    candidates: impl Iterator<Item = &'a T>,
    after: Option<&T>,
    order: &Order<K>,
    page: PageRequest,
) -> Selected<'a, T>
where
    T: Sortable<Key = K> + 'a,
    K: Copy,
{
    let mut total = 0;
    let mut rest: Vec<&T> = Vec::new();
    for item in candidates {
        total += 1;
        if after.is_none_or(|m| order.compare(item, m) == Ordering::Greater) {
            rest.push(item);
        }
    }
    let wanted = page.offset.saturating_add(page.limit);
    let more = rest.len() > wanted;
    if more {
        rest.select_nth_unstable_by(wanted, |a, b| order.compare(*a, *b));
        rest.truncate(wanted);
    }
    rest.sort_unstable_by(|a, b| order.compare(*a, *b));
    let items = rest.into_iter().skip(page.offset).collect();
    Selected { items, more, total }
}

/// Picks the page from items already in the list's order and after its marker (filtered).
/// `total` is not counted.
pub fn select_ordered<'a, T: 'a>(
    ordered: impl Iterator<Item = &'a T>,
    page: PageRequest,
) -> Selected<'a, T> {
    let mut items: Vec<&T> = ordered.skip(page.offset).take(page.limit.saturating_add(1)).collect();
    let more = items.len() > page.limit;
    items.truncate(page.limit);
    Selected { items, more, total: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Item(u32, u32);

    impl Sortable for Item {
        type Key = ();
        fn cmp_key(&self, other: &Self, _: (), _: Micros) -> Ordering {
            self.1.cmp(&other.1)
        }
        fn cmp_id(&self, other: &Self) -> Ordering {
            self.0.cmp(&other.0)
        }
    }

    #[test]
    fn marker_pages_visit_each_item_once() {
        let items: Vec<Item> = (0..25).map(|i| Item(i, i % 4)).collect();
        let order = Order { keys: vec![((), Direction::Desc)], now: 0 };
        let mut seen = Vec::new();
        let mut marker: Option<&Item> = None;
        loop {
            let page = select(items.iter(), marker, &order, PageRequest { limit: 7, offset: 0 });
            seen.extend(page.items.iter().map(|i| i.0));
            assert_eq!(page.total, 25);
            if !page.more {
                break;
            }
            marker = page.items.last().copied();
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
    }

    #[test]
    fn offset_and_limit() {
        let items: Vec<Item> = (0..10).map(|i| Item(i, 0)).collect();
        let order = Order { keys: vec![], now: 0 };
        let page = select(items.iter(), None, &order, PageRequest { limit: 3, offset: 8 });
        assert_eq!(page.items.iter().map(|i| i.0).collect::<Vec<_>>(), vec![8, 9]);
        assert!(!page.more);
        let page = select(
            items.iter(),
            None,
            &order,
            PageRequest { limit: usize::MAX, offset: usize::MAX },
        );
        assert!(page.items.is_empty());
    }
}
