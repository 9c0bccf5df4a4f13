//! Tags `cbr-backups` and `cbr-checkpoints`: the CSBS records in CBR's shapes.

use super::backups::select_backups;
use super::call::{Call, Reply};
use super::filters::BackupFilter;
use super::listing::ListQuery;
use super::scope::read_scope;
use crate::errors::ApiError;
use crate::server::App;
use crate::state::read;
use crate::state::View;
use crate::views::{cbr, list_body, rendered};
use serde::Serialize;

/// `listCbrBackups`: `count` is every backup that matches, the page aside.
pub fn list_backups(app: &App, call: &Call<'_>, list: ListQuery<'_>) -> Result<Reply, ApiError> {
    let filter = BackupFilter::of(call);
    let request = super::listing::page(call, &list);
    read_scope(app, call, |projects| {
        let page = select_backups(projects, call, &list, &filter, true, |m| {
            ApiError::cbr_not_found("backup", m)
        })?;
        let items: Vec<_> =
            page.items.iter().map(|b| rendered(projects, b, View::Cbr, call.now)).collect();
        #[derive(Serialize)]
        struct Tail {
            count: usize,
            offset: usize,
            limit: usize,
        }
        let tail = Tail { count: page.total, offset: request.offset, limit: request.limit };
        Ok(Reply::Json(list_body("backups", &items, &tail)))
    })
}

/// `showCbrCheckpoint`.
pub fn show_checkpoint(app: &App, call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    #[derive(Serialize)]
    struct Body<'a> {
        checkpoint: cbr::CheckpointView<'a>,
    }
    let lock = app.store.project(call.project_id());
    let project = read(&lock);
    let (info, backups) = project
        .checkpoint(id, call.now)
        .ok_or_else(|| ApiError::cbr_not_found("restore point", id))?;
    Ok(Reply::json(&Body { checkpoint: cbr::checkpoint(info, &backups, call.now) }))
}
