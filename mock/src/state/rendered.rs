//! Answers of settled backups as rendered before, so that lists do not serialize the same
//! backup again on every request. A backup's view changes only with the clock until it is
//! settled (protected, not being restored or deleted) and then only by a restore or a
//! deletion, which forget its entries. Bounded: past `MAX_ENTRIES` the cache starts over.

use super::model::Backup;
use crate::clock::Micros;
use foldhash::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

const MAX_ENTRIES: usize = 20_000;

/// The document a view belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    Csbs,
    Cbr,
}

/// Rendered bodies by backup and view.
type Rendered = HashMap<(Uuid, View), Arc<[u8]>>;

#[derive(Debug, Default)]
pub struct RenderCache {
    entries: Mutex<Rendered>,
}

impl RenderCache {
    /// The rendered view of `backup`, from the cache when it is settled.
    pub fn get_or_render(
        &self,
        backup: &Backup,
        view: View,
        now: Micros,
        render: impl FnOnce() -> Vec<u8>,
    ) -> Arc<[u8]> {
        if !backup.life.is_settled(now) {
            return render().into();
        }
        let key = (backup.id, view);
        if let Some(bytes) = self.entries.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return bytes.clone();
        }
        let bytes: Arc<[u8]> = render().into();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, bytes.clone());
        bytes
    }

    /// Forgets the views of a backup that changed or went.
    pub fn forget(&self, id: Uuid) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.remove(&(id, View::Csbs));
        entries.remove(&(id, View::Cbr));
    }
}
