/*
 * Drives the TypeScript clients generated from the spec against the mock and reads every case
 * of cases.json with them:
 * - openapi-generator `typescript-fetch`: API classes and models with FromJSON/ToJSON;
 * - openapi-typescript: types only, used through openapi-fetch (its companion client). tsc
 *   checks the calls below and every case as a typed constant (typed/*.ts); at run time the
 *   calls must answer 200 with a body.
 *
 * scripts/interop.sh copies this file into target/interop beside gen/ and typed/, compiles it
 * with tsc (strict) and runs it:
 *   node js/drive.js CASES_JSON ENDPOINT FETCH_PROJECT:TOKEN OTS_PROJECT:TOKEN TSC_LOG OUT_JSON
 */
import * as fs from 'node:fs';
import createClient from 'openapi-fetch';
import * as csbsFetch from './gen/ogts-csbs';
import * as cbrFetch from './gen/ogts-cbr';
import type { paths as CsbsPaths } from './gen/ots-csbs';
import type { paths as CbrPaths } from './gen/ots-cbr';
import { value as createPolicyBody } from './typed/csbs__documented__request__createPolicy__weekly_policy_two_servers';
import { value as updatePolicyBody } from './typed/csbs__documented__request__updatePolicy__update_name_and_schedule';
import { value as protectBody } from './typed/csbs__documented__request__protectResource__protect_server';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Row = { generator: string; check: string; ok: boolean; detail: string };
interface Case {
  doc: 'csbs' | 'cbr'; operation_id: string; name: string; direction: 'request' | 'response';
  schema: string; value: Json; origin: 'documented' | 'wire'; typed: string;
}
interface Op { doc: 'csbs' | 'cbr'; request: string | null; responses: Record<string, string>; path: string[]; fixed: Record<string, string> }

const [casesFile, endpoint, fetchAuth, otsAuth, tscLog, outFile] = process.argv.slice(2);
const data: { operations: Record<string, Op>; cases: Case[] } = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
const rows: Row[] = [];
const SERVER_ID = '6507cb66-90dc-4a12-a573-c9f3398f899d';
const FETCH = 'openapi-generator typescript-fetch';
const OTS = 'openapi-typescript + openapi-fetch';

/** Where two JSON values first differ, or null. Null and absent members count as equal. */
function sameJson(left: Json | undefined, right: Json | undefined, path = '$'): string | null {
  if (left && right && typeof left === 'object' && typeof right === 'object' && !Array.isArray(left) && !Array.isArray(right)) {
    for (const key of [...new Set([...Object.keys(left), ...Object.keys(right)])].sort()) {
      if (left[key] == null && right[key] == null) continue;
      if (!(key in left) || !(key in right)) return `${path}.${key}: ${key in left ? 'added' : 'missing'} after re-encoding`;
      const found = sameJson(left[key], right[key], `${path}.${key}`);
      if (found) return found;
    }
    return null;
  }
  if (Array.isArray(left) && Array.isArray(right)) {
    if (left.length !== right.length) return `${path}: ${right.length} items became ${left.length}`;
    for (let i = 0; i < left.length; i++) {
      const found = sameJson(left[i], right[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  return JSON.stringify(left) === JSON.stringify(right) ? null : `${path}: ${JSON.stringify(right)} became ${JSON.stringify(left)}`;
}

const asJson = (value: unknown): Json => JSON.parse(JSON.stringify(value ?? null));
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const lowerFirst = (name: string) => name[0].toLowerCase() + name.slice(1);
const message = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 400);

// ---- typescript-fetch ---------------------------------------------------------------------

type Module = Record<string, any>;
const fetchModules: Record<string, Module> = { csbs: csbsFetch, cbr: cbrFetch };

/** Reads a value into the model and writes it back (the JSON the client would send). */
function fetchRoundTrip(doc: string, schema: string, value: Json): Json {
  const mod = fetchModules[doc];
  const from = mod[`${schema}FromJSON`], to = mod[`${schema}ToJSON`];
  if (!from || !to) {
    // A free-form object (EmptyObject) has no model: it stays a plain object.
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${schema} is a plain object here, got ${JSON.stringify(value)}`);
    return value;
  }
  return asJson(to(from(value)));
}

async function fetchCall(op: Op, opId: string, path: Record<string, string>, query: Record<string, string>, body?: [string, Json]) {
  const [project, token] = fetchAuth.split(':');
  void project;
  const mod = fetchModules[op.doc];
  const config = new mod.Configuration({ basePath: endpoint, headers: { 'X-Auth-Token': token } });
  const Api = Object.values(mod).find((c: any) => typeof c === 'function' && c.prototype && typeof c.prototype[`${opId}Raw`] === 'function');
  if (!Api) throw new Error(`no API class has ${opId}Raw`);
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...path, ...query })) params[camel(k)] = v;
  if (body) params[lowerFirst(body[0])] = mod[`${body[0]}FromJSON`](body[1]);
  let response: any;
  try {
    response = await new (Api as any)(config)[`${opId}Raw`](params);
  } catch (e: any) {
    if (e?.response) throw new Error(`status ${e.response.status}: ${(await e.response.text()).slice(0, 300)}`);
    throw e;
  }
  const expected = op.responses['200'];
  if (!expected) return { parsed: null, wire: null };
  const wire = await response.raw.clone().json();
  const parsed = await response.value();
  const to = mod[`${expected}ToJSON`];
  return { parsed: to ? asJson(to(parsed)) : asJson(parsed), wire };
}

// ---- openapi-typescript through openapi-fetch -----------------------------------------------

/** The scenario through openapi-fetch: each call is checked by tsc against the generated
 *  paths; at run time it must answer 200 with a body (there is no decoding step to test). */
function otsCalls(project: string, token: string) {
  const headers = { 'X-Auth-Token': token };
  const csbs = createClient<CsbsPaths>({ baseUrl: endpoint, headers });
  const cbr = createClient<CbrPaths>({ baseUrl: endpoint, headers });
  const provider_id = 'fc4d5750-22e7-4798-8a46-f48f62c4c1da' as const;
  const project_id = project;
  return {
    listPolicies: () => csbs.GET('/v1/{project_id}/policies', { params: { path: { project_id } } }),
    createPolicy: () => csbs.POST('/v1/{project_id}/policies', { params: { path: { project_id } }, body: createPolicyBody }),
    showPolicy: (policy_id: string) => csbs.GET('/v1/{project_id}/policies/{policy_id}', { params: { path: { project_id, policy_id } } }),
    updatePolicy: (policy_id: string, operation_id: string) => {
      const body = structuredClone(updatePolicyBody);
      body.policy.scheduled_operations![0].id = operation_id;
      return csbs.PUT('/v1/{project_id}/policies/{policy_id}', { params: { path: { project_id, policy_id } }, body });
    },
    deletePolicy: (policy_id: string) => csbs.DELETE('/v1/{project_id}/policies/{policy_id}', { params: { path: { project_id, policy_id } } }),
    protectResource: () => csbs.POST('/v1/{project_id}/providers/{provider_id}/resources/{resource_id}/action', { params: { path: { project_id, provider_id, resource_id: SERVER_ID } }, body: protectBody }),
    listBackups: (checkpoint_id: string) => csbs.GET('/v1/{project_id}/checkpoint_items', { params: { path: { project_id }, query: { checkpoint_id } } }),
    countBackups: (checkpoint_id: string) => csbs.GET('/v1/{project_id}/checkpoint_items/count', { params: { path: { project_id }, query: { checkpoint_id } } }),
    showBackup: (checkpoint_item_id: string) => csbs.GET('/v1/{project_id}/checkpoint_items/{checkpoint_item_id}', { params: { path: { project_id, checkpoint_item_id } } }),
    showQuotas: () => csbs.GET('/v1/{project_id}/quotas', { params: { path: { project_id } } }),
    listCbrBackups: () => cbr.GET('/v3/{project_id}/backups', { params: { path: { project_id } } }),
    showCbrCheckpoint: (checkpoint_id: string) => cbr.GET('/v3/{project_id}/checkpoints/{checkpoint_id}', { params: { path: { project_id, checkpoint_id } } }),
  };
}

// ---- the checks -----------------------------------------------------------------------------

/** tsc's errors, by file (relative to target/interop). */
function tscErrors(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of fs.readFileSync(tscLog, 'utf8').split('\n')) {
    const m = /^(.+?)\(\d+,\d+\): error (TS\d+: .*)$/.exec(line);
    if (m) found.set(m[1], [...(found.get(m[1]) ?? []), m[2]]);
  }
  return found;
}

const GROUPS: [string, string, string][] = [
  ['documented', 'request', 'request examples build'],
  ['documented', 'response', 'response examples decode'],
  ['wire', 'response', 'live-shaped payloads decode'],
];

function checkCases(generator: string, check: (c: Case) => string | null) {
  for (const [origin, direction, label] of GROUPS) {
    const cases = data.cases.filter((c) => c.origin === origin && c.direction === direction);
    const failures: string[] = [];
    for (const c of cases) {
      let problem: string | null;
      try { problem = check(c); } catch (e) { problem = message(e); }
      if (problem) failures.push(`${c.operation_id} ${c.name}: ${problem}`);
    }
    rows.push({ generator, check: label, ok: failures.length === 0, detail: `${cases.length - failures.length}/${cases.length}` + (failures.length ? '; ' + failures.join(' | ') : '') });
  }
}

type Step = (state: Record<string, string>) => Promise<{ parsed: Json | null; wire: Json | null; status?: number }>;

async function scenario(generator: string, steps: [string, string[], Step][]) {
  const state: Record<string, string> = {};
  for (const [check, needs, step] of steps) {
    const missing = needs.filter((n) => !(n in state));
    if (missing.length) { rows.push({ generator, check, ok: false, detail: `no ${missing.join(', ')} from an earlier step` }); continue; }
    try {
      const { parsed, wire } = await step(state);
      const diff = parsed === null && wire === null ? null : sameJson(parsed ?? null, wire ?? null);
      if (diff) throw new Error(`the decoded answer differs from the wire: ${diff}`);
      rows.push({ generator, check, ok: true, detail: wire === null ? '200' : '200, decoded' });
    } catch (e) {
      rows.push({ generator, check, ok: false, detail: message(e) });
    }
  }
}

/** The same steps for both clients; `call(opId, path, query, body)` answers parsed and wire JSON. */
function steps(call: (opId: string, path: string[], query: Record<string, string>, bodyOf?: (s: Record<string, string>) => Json) => Step): [string, string[], Step][] {
  const keep = (step: Step, take: (wire: any, state: Record<string, string>) => void): Step => async (state) => {
    const answer = await step(state);
    take(answer.wire, state);
    return answer;
  };
  const example = (opId: string, name: string) => data.cases.find((c) => c.origin === 'documented' && c.direction === 'request' && c.operation_id === opId && c.name === name)!.value;
  return [
    ['listPolicies', [], call('listPolicies', [], {})],
    ['createPolicy', [], keep(call('createPolicy', [], {}, () => example('createPolicy', 'weekly_policy_two_servers')), (w, s) => {
      s.policy = w.policy.id; s.operation = w.policy.scheduled_operations[0].id;
    })],
    ['showPolicy', ['policy'], (s) => call('showPolicy', [s.policy], {})(s)],
    ['updatePolicy', ['policy'], (s) => call('updatePolicy', [s.policy], {}, (st) => {
      const body: any = structuredClone(example('updatePolicy', 'update_name_and_schedule'));
      body.policy.scheduled_operations[0].id = st.operation;
      return body;
    })(s)],
    ['deletePolicy', ['policy'], (s) => call('deletePolicy', [s.policy], {})(s)],
    ['protectResource', [], keep(call('protectResource', [SERVER_ID], {}, () => example('protectResource', 'protect_server')), (w, s) => { s.checkpoint = w.checkpoint.id; })],
    ['listBackups', ['checkpoint'], (s) => keep(call('listBackups', [], { checkpoint_id: s.checkpoint }), (w, st) => {
      if (w.checkpoint_items.length !== 1) throw new Error(`${w.checkpoint_items.length} backups of the new checkpoint, expected 1`);
      st.backup = w.checkpoint_items[0].id;
    })(s)],
    ['countBackups', ['checkpoint'], (s) => keep(call('countBackups', [], { checkpoint_id: s.checkpoint }), (w) => {
      if (w.count !== 1) throw new Error(`count ${w.count}, expected 1`);
    })(s)],
    ['showBackup', ['backup'], (s) => call('showBackup', [s.backup], {})(s)],
    ['showQuotas', [], call('showQuotas', [], {})],
    ['listCbrBackups', [], keep(call('listCbrBackups', [], {}), (w, s) => {
      if (!w.backups.length) throw new Error('no CBR backups');
      s.cbr_checkpoint = w.backups[0].checkpoint_id;
    })],
    ['showCbrCheckpoint', ['cbr_checkpoint'], (s) => call('showCbrCheckpoint', [s.cbr_checkpoint], {})(s)],
  ];
}

async function main() {
  const errors = tscErrors();
  const compiled = (generator: string, prefix: string) => {
    const bad = [...errors.entries()].filter(([file]) => file.startsWith(prefix) || file === 'drive.ts');
    rows.push({ generator, check: 'compiles (tsc --strict / Python import)', ok: bad.length === 0, detail: bad.length ? bad.map(([f, e]) => `${f}: ${e[0]}`).join(' | ').slice(0, 600) : '0 errors' });
  };

  compiled(FETCH, 'gen/ogts-');
  checkCases(FETCH, (c) => sameJson(fetchRoundTrip(c.doc, c.schema, c.value), c.value));
  await scenario(FETCH, steps((opId, path, query, bodyOf) => async (state) => {
    const op = data.operations[opId];
    const free = op.path.filter((n) => n !== 'project_id' && !(n in op.fixed));
    const values: Record<string, string> = { project_id: fetchAuth.split(':')[0], ...op.fixed };
    free.forEach((n, i) => { values[n] = path[i]; });
    return fetchCall(op, opId, values, query, bodyOf ? [op.request!, bodyOf(state)] : undefined);
  }));

  compiled(OTS, 'gen/ots-');
  checkCases(OTS, (c) => (errors.get(c.typed) ?? []).join(' | ') || null);
  const [otsProject, otsToken] = otsAuth.split(':');
  const ots = otsCalls(otsProject, otsToken);
  await scenario(OTS, steps((opId, path) => async (state) => {
    const calls: Record<string, () => Promise<{ data?: unknown; error?: unknown; response: Response }>> = {
      listPolicies: ots.listPolicies, createPolicy: ots.createPolicy, showQuotas: ots.showQuotas,
      showPolicy: () => ots.showPolicy(path[0]), updatePolicy: () => ots.updatePolicy(path[0], state.operation),
      deletePolicy: () => ots.deletePolicy(path[0]), protectResource: ots.protectResource,
      listBackups: () => ots.listBackups(state.checkpoint), countBackups: () => ots.countBackups(state.checkpoint),
      showBackup: () => ots.showBackup(path[0]), listCbrBackups: ots.listCbrBackups,
      showCbrCheckpoint: () => ots.showCbrCheckpoint(path[0]),
    };
    const { data: body, error, response } = await calls[opId]();
    if (response.status !== 200) throw new Error(`status ${response.status}: ${JSON.stringify(error).slice(0, 300)}`);
    if (!data.operations[opId].responses['200']) return { parsed: null, wire: null };
    if (body === undefined) throw new Error('no body');
    return { parsed: asJson(body), wire: asJson(body) };
  }));

  fs.writeFileSync(outFile, JSON.stringify(rows, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
