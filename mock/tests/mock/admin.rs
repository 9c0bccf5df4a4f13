//! The admin interface through HTTP: every answer checked against `mock/admin-openapi.yaml`.

use crate::support::{v1, Mock, PROJECT, PROVIDER, TOKEN};
use serde_json::{json, Value};
use std::sync::OnceLock;

const ADMIN: &str = "admin-secret";

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let text = include_str!("../../admin-openapi.yaml");
        csbs_spec::document::parse_yaml(text).expect("admin-openapi.yaml reads")
    })
}

/// The documented response of `method path` (a template) with `status`: its JSON schema.
fn response_schema(path: &str, method: &str, status: u16) -> Option<Value> {
    let doc = document();
    let op = &doc["paths"][path][method.to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in admin-openapi.yaml");
    let mut response = &op["responses"][status.to_string()];
    assert!(response.is_object(), "{method} {path} does not document {status}");
    if let Some(r) = response["$ref"].as_str() {
        response = csbs_spec::document::resolve(doc, r).expect("the reference resolves");
    }
    let schema = response.pointer("/content/application~1json/schema")?;
    Some(csbs_spec::schema::standalone(doc, schema))
}

struct Admin {
    mock: Mock,
    token: Option<&'static str>,
}

#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
    text: String,
}

impl Admin {
    async fn start(token: Option<&'static str>) -> Admin {
        let mock = Mock::with(|c| {
            c.admin_token = token.map(|t| csbs_mock::AdminToken::parse(t).unwrap());
        })
        .await;
        Admin { mock, token }
    }

    /// `method` on `path`, documented as `template`; the answer is checked against the
    /// document.
    async fn call(&self, method: &str, path: &str, template: &str, body: Option<Value>) -> Answer {
        self.call_as(self.token, method, path, template, body).await
    }

    async fn call_as(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        template: &str,
        body: Option<Value>,
    ) -> Answer {
        let method_ = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.mock.http.request(method_, self.mock.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the mock answers");
        let status = response.status().as_u16();
        let is_json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
        let text = response.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let schema = response_schema(template, method, status);
        if let Some(schema) = schema.filter(|_| is_json) {
            let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
            let errors: Vec<String> = validator.iter_errors(&body).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{method} {path}: {status} {text}: {errors:?}");
        }
        Answer { status, body, text }
    }

    async fn get(&self, path: &str, template: &str) -> Answer {
        self.call("GET", path, template, None).await
    }
}

#[tokio::test]
async fn health_and_readiness_answer_without_the_admin_token() {
    let admin = Admin::start(Some(ADMIN)).await;
    for path in ["/_mock/health", "/_mock/ready"] {
        let answer = admin.call_as(None, "GET", path, path, None).await;
        assert_eq!((answer.status, answer.body["status"].as_str()), (200, Some("pass")), "{path}");
    }
    let ready = admin.get("/_mock/ready", "/_mock/ready").await;
    assert_eq!(ready.body["state"], "memory");
}

#[tokio::test]
async fn the_admin_token_guards_the_rest_and_api_tokens_are_not_admin_tokens() {
    let admin = Admin::start(Some(ADMIN)).await;
    for token in [None, Some(TOKEN), Some("admin-secreT")] {
        let answer = admin.call_as(token, "GET", "/_mock/clock", "/_mock/clock", None).await;
        assert_eq!((answer.status, answer.body["error_code"].as_str()), (401, Some("MOCK.0401")));
        assert!(!answer.text.contains(ADMIN), "{}", answer.text);
    }
    assert_eq!(admin.get("/_mock/clock", "/_mock/clock").await.status, 200);
    // And the admin token opens nothing of the API.
    let api = admin.mock.http.get(admin.mock.url(&v1("/policies"))).bearer_auth(ADMIN);
    assert_eq!(api.send().await.unwrap().status().as_u16(), 401);
    // Without a configured token the admin interface is open.
    let open = Admin::start(None).await;
    assert_eq!(open.get("/_mock/clock", "/_mock/clock").await.status, 200);
}

#[tokio::test]
async fn unknown_admin_paths_and_methods_answer_in_the_admin_error_form() {
    let admin = Admin::start(None).await;
    let answer = admin.mock.http.get(admin.mock.url("/_mock/nothing")).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 404);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error_code"], "MOCK.0404");
    let answer = admin.mock.http.post(admin.mock.url("/_mock/health")).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 405);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error_code"], "MOCK.0405");
}

#[tokio::test]
async fn the_spec_documents_are_served_as_committed_and_as_json() {
    let admin = Admin::start(None).await;
    let index = admin.get("/_mock/spec", "/_mock/spec").await;
    let names: Vec<&str> = index.body["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(names, ["csbs-v1", "cbr-v3", "admin-openapi"]);
    for service in csbs_spec::Service::ALL {
        let yaml =
            admin.get(&format!("/_mock/spec/{}", service.file_name()), "/_mock/spec/{file}").await;
        assert_eq!((yaml.status, yaml.text.as_str()), (200, service.source()));
        let stem = service.file_name().trim_end_matches(".yaml");
        let json = admin.get(&format!("/_mock/spec/{stem}.json"), "/_mock/spec/{file}").await;
        assert_eq!(&json.body, service.document());
    }
    let own = admin.get("/_mock/spec/admin-openapi.json", "/_mock/spec/{file}").await;
    assert_eq!(&own.body, document());
    let missing = admin.get("/_mock/spec/csbs-v2.yaml", "/_mock/spec/{file}").await;
    assert_eq!((missing.status, missing.body["error_code"].as_str()), (404, Some("MOCK.0404")));
}

#[tokio::test]
async fn advancing_the_clock_over_http_settles_lifecycles() {
    let admin = Admin::start(None).await;
    let mock = Mock::with(|c| {
        c.protect_delay = std::time::Duration::from_secs(3600);
    })
    .await;
    let admin = Admin { mock, ..admin };
    let backup = admin.mock.protect_backup("srv-clock").await;
    assert_eq!(backup["status"], "protecting");
    let before = admin.get("/_mock/clock", "/_mock/clock").await;
    assert_eq!(before.body["offset_seconds"], 0.0);
    let advanced = admin
        .call(
            "POST",
            "/_mock/clock/advance",
            "/_mock/clock/advance",
            Some(json!({"seconds": 3600})),
        )
        .await;
    assert_eq!((advanced.status, advanced.body["offset_seconds"].as_f64()), (200, Some(3600.0)));
    let shown =
        admin.mock.get(&v1(&format!("/checkpoint_items/{}", backup["id"].as_str().unwrap()))).await;
    assert_eq!(shown.body["checkpoint_item"]["status"], "available", "{}", shown.text);
    for bad in [json!({"seconds": -5}), json!({"seconds": "60"}), json!({})] {
        let refused =
            admin.call("POST", "/_mock/clock/advance", "/_mock/clock/advance", Some(bad)).await;
        assert_eq!(refused.body["error_code"], "MOCK.0400", "{}", refused.text);
        assert!(refused.body["error_msg"].as_str().unwrap().starts_with("seconds: must be"));
    }
}

#[tokio::test]
async fn a_reset_empties_one_project_only() {
    let admin = Admin::start(None).await;
    admin.mock.create_policy("kept-elsewhere", &["srv-a"]).await;
    let other = admin
        .mock
        .call(
            "POST",
            "/v1/p-other/policies",
            Some(crate::support::OTHER_TOKEN),
            Some(crate::support::policy_body("other", &["srv-b"])),
        )
        .await;
    assert_eq!(other.status, 200, "{}", other.text);
    admin.mock.protect("srv-c").await;
    let path = format!("/_mock/projects/{PROJECT}");
    let reset = admin.call("DELETE", &path, "/_mock/projects/{project_id}", None).await;
    assert_eq!(reset.status, 204);
    let policies = admin.mock.get(&v1("/policies")).await;
    assert_eq!(policies.body["policies"], json!([]));
    let backups = admin.mock.get(&v1("/checkpoint_items")).await;
    assert_eq!(backups.body["checkpoint_items"], json!([]));
    let kept = admin
        .mock
        .call("GET", "/v1/p-other/policies", Some(crate::support::OTHER_TOKEN), None)
        .await;
    assert_eq!(kept.body["policies"].as_array().map(Vec::len), Some(1));
    // The policy's name is free again, and its server unbound.
    admin.mock.create_policy("kept-elsewhere", &["srv-a"]).await;
}

#[tokio::test]
async fn an_export_imported_elsewhere_answers_the_same() {
    let admin = Admin::start(None).await;
    let policy = admin.mock.create_policy("exported", &["srv-x", "srv-y"]).await;
    let policy_id = policy["id"].as_str().unwrap();
    let run = admin
        .mock
        .post(
            &v1(&format!("/providers/{PROVIDER}/checkpoints")),
            json!({"checkpoint": {"plan_id": policy_id, "parameters": {"auto_trigger": false}}}),
        )
        .await;
    assert_eq!(run.status, 200, "{}", run.text);
    admin.mock.protect("srv-z").await;
    admin
        .call("POST", "/_mock/clock/advance", "/_mock/clock/advance", Some(json!({"seconds": 60})))
        .await;
    let exported = admin.get("/_mock/state", "/_mock/state").await;
    assert_eq!(exported.body["format"], "csbs-mock-state/1");

    let other = Admin::start(None).await;
    let imported =
        other.call("PUT", "/_mock/state", "/_mock/state", Some(exported.body.clone())).await;
    assert_eq!(imported.status, 204, "{}", imported.text);
    assert_eq!(other.get("/_mock/state", "/_mock/state").await.body, exported.body);
    for path in [
        "/policies",
        "/checkpoint_items",
        "/checkpoint_items?sort=created_at:asc",
        "/checkpoint_items/count",
    ] {
        let (a, b) = (admin.mock.get(&v1(path)).await, other.mock.get(&v1(path)).await);
        assert_eq!(a.body, b.body, "{path}");
    }
    let clock = other.get("/_mock/clock", "/_mock/clock").await;
    assert_eq!(clock.body["offset_seconds"], 60.0);

    // Not an export: refused naming where, and nothing changes.
    let mut broken = exported.body.clone();
    broken["projects"][0]["policies"][0]["created_at"] = json!("yesterday");
    let refused = other.call("PUT", "/_mock/state", "/_mock/state", Some(broken)).await;
    assert_eq!(refused.body["error_code"], "MOCK.0400", "{}", refused.text);
    assert!(
        refused.text.contains("created_at") || refused.text.contains("line"),
        "{}",
        refused.text
    );
    let mut wrong_format = exported.body.clone();
    wrong_format["format"] = json!("csbs-mock-state/0");
    let refused = other.call("PUT", "/_mock/state", "/_mock/state", Some(wrong_format)).await;
    assert!(refused.body["error_msg"].as_str().unwrap().starts_with("format: must be"));
    assert_eq!(other.get("/_mock/state", "/_mock/state").await.body, exported.body);
}

impl Answer {
    /// The message of an admin error with `status` and `code` (which it asserts).
    fn admin_error(&self, status: u16, code: &str) -> &str {
        assert_eq!(
            (self.status, self.body["error_code"].as_str()),
            (status, Some(code)),
            "{}",
            self.text
        );
        self.body["error_msg"].as_str().unwrap()
    }
}

/// 9999-12-31T23:59:59.999999Z, the documented end of the mock's clock.
const MAX_TIME: i64 = 253_402_300_799_999_999;
const DAY_US: i64 = 86_400_000_000;

impl Admin {
    async fn advance(&self, seconds: u64) -> Answer {
        let body = Some(json!({ "seconds": seconds }));
        self.call("POST", "/_mock/clock/advance", "/_mock/clock/advance", body).await
    }

    async fn import(&self, state: Value) -> Answer {
        self.call("PUT", "/_mock/state", "/_mock/state", Some(state)).await
    }

    /// The scheduled policy's project answers every kind of request (schedules, lifecycles
    /// and quotas computed at the clock's end).
    async fn answers_near_the_end(&self) {
        for path in ["/policies", "/checkpoint_items", "/quotas"] {
            let answer = self.mock.get(&v1(path)).await;
            assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        }
    }
}

#[tokio::test]
async fn the_clock_stops_at_its_documented_end_and_never_goes_back() {
    let admin = Admin::start(None).await;
    admin.mock.create_policy("weekly", &["srv-end"]).await;
    admin.mock.protect("srv-end-2").await;
    // Hundred-year advances (the largest allowed) until one is refused: the offset only grows.
    let mut last = 0.0;
    let refused = loop {
        let answer = admin.advance(3_153_600_000).await;
        if answer.status != 200 {
            break answer;
        }
        let offset = answer.body["offset_seconds"].as_f64().unwrap();
        assert!(offset > last, "the clock went back: {last} then {offset}");
        last = offset;
        assert!(answer.body["now"].as_str().unwrap() < "9999-12-31T23:59:59.999999Z~");
    };
    let message = refused.admin_error(400, "MOCK.0400");
    assert!(
        message.starts_with("seconds: must not take the clock past 9999-12-31T23:59:59.999999Z")
            && message.contains("got 3153600000"),
        "{message}"
    );
    let clock = admin.get("/_mock/clock", "/_mock/clock").await;
    assert_eq!(
        clock.body["offset_seconds"].as_f64(),
        Some(last),
        "a refused advance moves nothing"
    );
    assert!(clock.body["now"].as_str().unwrap().starts_with("99"), "{}", clock.text);
    admin.answers_near_the_end().await;
    // What is left can still be taken, up to the end and not past it.
    let left: u64 = message.split('(').nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert_eq!(admin.advance(left.saturating_sub(60)).await.status, 200);
    assert_eq!(admin.advance(120).await.status, 400);
    admin.answers_near_the_end().await;
}

#[tokio::test]
async fn an_import_is_checked_value_by_value_and_refused_whole() {
    let admin = Admin::start(None).await;
    admin.mock.create_policy("checked", &["srv-i"]).await;
    admin.mock.protect("srv-j").await;
    let exported = admin.get("/_mock/state", "/_mock/state").await.body;
    let real_now = chrono::Utc::now().timestamp_micros();
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit); 19] = [
        ("clock_offset_us: must be an integer from 0", |s| {
            s["clock_offset_us"] = json!(i64::MAX - 1000)
        }),
        ("clock_offset_us: must be an integer from 0", |s| s["clock_offset_us"] = json!(-1)),
        ("projects[0].backups[0].life.created_at: must be a time", |s| {
            s["projects"][0]["backups"][0]["life"]["created_at"] = json!(i64::MIN)
        }),
        ("projects[0].backups[0].checkpoint.created_at: must be a time", |s| {
            s["projects"][0]["backups"][0]["checkpoint"]["created_at"] = json!(i64::MAX)
        }),
        ("projects[0].policies[0].operation.start_time: must be a time", |s| {
            s["projects"][0]["policies"][0]["operation"]["start_time"] = json!(i64::MAX)
        }),
        ("projects[0].schedules[", |s| {
            let schedules = s["projects"][0]["schedules"].as_object_mut().unwrap();
            let id = schedules.keys().next().unwrap().clone();
            schedules.insert(id, json!(i64::MIN));
        }),
        ("projects[0].backups[1].id: must be unique", |s| {
            let backups = s["projects"][0]["backups"].as_array_mut().unwrap();
            backups.push(backups[0].clone());
        }),
        ("projects[0].policies[1].id: must be unique", |s| {
            let policies = s["projects"][0]["policies"].as_array_mut().unwrap();
            policies.push(policies[0].clone());
        }),
        ("projects[1].id: must be a non-empty ID no other project has", |s| {
            let projects = s["projects"].as_array_mut().unwrap();
            projects.push(projects[0].clone());
        }),
        ("projects[0].backups[0].volumes[0].disk: must be the index", |s| {
            s["projects"][0]["backups"][0]["volumes"][0]["disk"] = json!(99)
        }),
        ("projects[0].backups[0].size_mb: must be at most", |s| {
            s["projects"][0]["backups"][0]["size_mb"] = json!(u64::MAX)
        }),
        ("projects[0].policies[0].status: must be one of", |s| {
            s["projects"][0]["policies"][0]["status"] = json!("exploded")
        }),
        ("projects[0].policies[0].operation.pattern: must be a trigger pattern", |s| {
            s["projects"][0]["policies"][0]["operation"]["pattern"] =
                json!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=SECONDLY;INTERVAL=0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        }),
        ("projects[0].backups[0].checkpoint.project_id: must be the project's ID", |s| {
            s["projects"][0]["backups"][0]["checkpoint"]["project_id"] = json!("someone-else")
        }),
        ("projects[0].restoring_servers[", |s| {
            s["projects"][0]["restoring_servers"] = json!({"srv-j": i64::MAX})
        }),
        ("projects[0].backups[0].life.expires_at: must be a time", |s| {
            s["projects"][0]["backups"][0]["life"]["expires_at"] = json!(i64::MIN)
        }),
        (
            "projects[0].policies[0].operation.definition.max_backups: must be from -1 to 99999",
            |s| {
                s["projects"][0]["policies"][0]["operation"]["definition"]["max_backups"] =
                    json!(-5)
            },
        ),
        (
            "projects[0].policies[0].operation.definition.retention_duration_days: must be from",
            |s| {
                let definition = &mut s["projects"][0]["policies"][0]["operation"]["definition"];
                definition["retention_duration_days"] = json!(100_000)
            },
        ),
        ("projects[0].policies[1].resources[0].id: a server is bound to at most one policy", |s| {
            let policies = s["projects"][0]["policies"].as_array_mut().unwrap();
            let mut twin = policies[0].clone();
            twin["id"] = json!("another-policy");
            policies.push(twin);
        }),
    ];
    for (prefix, edit) in cases {
        let mut state = exported.clone();
        edit(&mut state);
        let refused = admin.import(state).await;
        let message = refused.admin_error(400, "MOCK.0400");
        assert!(message.starts_with(prefix) && message.contains("(got "), "{prefix}: {message}");
        assert!(message.len() < 400, "quoted in excerpts: {message}");
        assert_eq!(admin.get("/_mock/state", "/_mock/state").await.body, exported, "{prefix}");
    }
    // The largest offset allowed is taken, and the mock answers at the clock's end.
    let mut near_end = exported.clone();
    near_end["clock_offset_us"] = json!(MAX_TIME - real_now - 3 * DAY_US);
    assert_eq!(admin.import(near_end).await.status, 204);
    admin.answers_near_the_end().await;
    assert_eq!(admin.advance(86_400).await.status, 200);
    admin.answers_near_the_end().await;
    assert_eq!(admin.advance(7 * 86_400).await.status, 400);
}

/// `state` with `copies` more backups: copies of its first one, each its own checkpoint.
fn with_copies(mut state: Value, copies: usize) -> Value {
    let backups = state["projects"][0]["backups"].as_array_mut().unwrap();
    let first = backups[0].clone();
    for _ in 0..copies {
        let mut copy = first.clone();
        copy["id"] = json!(uuid::Uuid::new_v4().to_string());
        copy["checkpoint"]["id"] = json!(uuid::Uuid::new_v4().to_string());
        backups.push(copy);
    }
    state
}

#[tokio::test]
async fn exports_beyond_two_megabytes_are_imported_and_the_admin_limit_is_documented() {
    let admin = Admin::start(None).await;
    admin.mock.protect("srv-big").await;
    let exported = admin.get("/_mock/state", "/_mock/state").await.body;
    let big = with_copies(exported, 3000);
    let size = serde_json::to_vec(&big).unwrap().len();
    assert!(size > 3 * 1024 * 1024, "{size} bytes");
    assert_eq!(admin.import(big.clone()).await.status, 204);
    let back = admin.get("/_mock/state", "/_mock/state").await.body;
    assert_eq!(back["projects"][0]["backups"].as_array().map(Vec::len), Some(3001));

    // Beyond the configured limit: 413 in the admin form, naming the limit and its option.
    let mock = Mock::with(|c| c.admin_max_body_bytes = 1_000_000).await;
    let small = Admin { mock, token: None };
    let refused = small.import(big).await;
    let message = refused.admin_error(413, "MOCK.0413");
    assert!(
        message.starts_with("body: must be at most 1000000 bytes")
            && message.contains("--admin-max-body-bytes"),
        "{message}"
    );
}

/// An export takes each project's records under its lock as pointers and copies them after
/// (test hook `export_taken`, between the two): a write of the project meanwhile is answered at
/// once and does not show in that export (a record it changes is copied by the change), only in
/// the next one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_holds_no_lock_while_it_copies_and_keeps_what_it_took() {
    use crate::support::{once, Pause, PATIENCE};
    use std::sync::atomic::{AtomicBool, Ordering};
    let (taken, pause) = Pause::new();
    let armed = std::sync::Arc::new(AtomicBool::new(false));
    let hook = once(&armed, pause);
    let mock = Mock::with(move |c| {
        c.delete_delay = std::time::Duration::from_secs(600);
        c.hooks = csbs_mock::Hooks { export_taken: Some(hook), ..Default::default() };
    })
    .await;
    let backup = mock.protect_backup("srv-1").await;
    let export = |mock: &Mock| mock.http.get(mock.url("/_mock/state")).send();
    armed.store(true, Ordering::Release);
    let held = tokio::spawn(export(&mock));
    taken.reached("the export");
    let checkpoint = backup["checkpoint_id"].as_str().unwrap();
    let delete = v1(&format!("/providers/{PROVIDER}/checkpoints/{checkpoint}"));
    let deleted = tokio::time::timeout(PATIENCE, mock.delete(&delete)).await;
    assert_eq!(
        deleted.expect("a write is answered while the export holds its records").status,
        200
    );
    mock.protect("srv-2").await;
    taken.resume();
    let took: Value = held.await.unwrap().unwrap().json().await.unwrap();
    let backups = |state: &Value| state["projects"][0]["backups"].as_array().cloned().unwrap();
    let before = backups(&took);
    assert_eq!(before.len(), 1, "the export keeps what it took");
    assert_eq!(before[0]["life"]["delete"], Value::Null, "not the deletion that came after");
    let after = backups(&export(&mock).await.unwrap().json().await.unwrap());
    assert_eq!(after.len(), 2);
    let first = after.iter().find(|b| b["id"] == backup["id"]).unwrap();
    assert!(first["life"]["delete"].is_array(), "the next export shows it: {first}");
}
