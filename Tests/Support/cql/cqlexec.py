"""Statement analysis (what PREPARE answers) and execution (what QUERY/EXECUTE/BATCH do).

analyze() checks a parsed statement against the schema and returns a plan with its bind specs;
plan.execute(ctx) validates the bound values and returns an Outcome: the ops to log and apply
(writes) and the response body (reads and DDL are answered from it directly).
"""
import bisect
import io
import itertools
import json
import struct

from cassandra import cqltypes as T
from cassandra.protocol import write_int, write_value

import cqlcodec as C
from cqlcodec import R
from cqlparse import CQLInvalid, Marker
from cqlstore import (CQLTYPES, LOCAL, MAX_TTL, SYSTEM_KEYSPACES, UNSET, CQLAlreadyExists, CQLConfig, Desc,
                      check_value, literal_bytes, natural, _h)

TYPE_NAMES = set(CQLTYPES)


class Ctx:
    def __init__(self, values, timestamp, now_sec, page_size=None, paging_state=None, skip_meta=False,
                 batch=False):
        self.values, self.timestamp, self.now = values, timestamp, now_sec
        self.page_size, self.paging_state, self.skip_meta, self.batch = page_size, paging_state, skip_meta, batch


class Outcome:
    def __init__(self, response, ops=(), keyspace=None):
        self.response, self.ops, self.keyspace = response, list(ops), keyspace


def _name_ok(n):
    return n and len(n) <= 48 and all(ch.isalnum() or ch == '_' for ch in n)


class Plan:
    kind = 'other'
    ks = table = None
    specs = ()                    # bind specs: [(name, cqltype)]
    pk_indexes = ()
    result_columns = ()
    counter = False

    def bind(self, ctx, term, col, typ):
        if isinstance(term, Marker):
            return check_value(col, typ, ctx.values[term.index])
        return literal_bytes(col, typ, term)


def analyze(store, st, session_ks):
    specs = [None] * st.markers

    def spec(term, name, cqltype):
        if isinstance(term, Marker):
            specs[term.index] = (name, cqltype)

    if st.kind == 'use':
        plan = UsePlan(st.keyspace)
    elif st.kind == 'create_keyspace':
        plan = CreateKeyspacePlan(st)
    elif st.kind == 'drop_keyspace':
        plan = DropKeyspacePlan(st)
    elif st.kind in ('create_table', 'drop_table', 'truncate'):
        ks = st.keyspace or session_ks
        if ks is None:
            raise CQLInvalid('No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename')
        plan = {'create_table': CreateTablePlan, 'drop_table': DropTablePlan, 'truncate': TruncatePlan}[st.kind](st, ks)
    else:
        ks = st.keyspace or session_ks
        if ks is None:
            raise CQLInvalid('No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename')
        if ks in SYSTEM_KEYSPACES:
            if st.kind != 'select':
                raise CQLInvalid('peer: system keyspaces are read-only')
            plan = SystemSelectPlan(ks, st.table, st.columns)
            for n, m in enumerate(specs):
                specs[n] = ('v%d' % n, T.UTF8Type)
        else:
            t = store.table(ks, st.table)
            plan = {'insert': InsertPlan, 'update': UpdatePlan, 'delete': DeletePlan,
                    'select': SelectPlan}[st.kind](t, st, spec)
    if any(s is None for s in specs):
        raise CQLInvalid('peer: bind marker not allowed there')
    plan.specs = specs
    if plan.ks and getattr(plan, 't', None) is not None:
        pk_terms = getattr(plan, 'pk_terms', None)
        if pk_terms and all(isinstance(x, Marker) for x in pk_terms):
            plan.pk_indexes = [x.index for x in pk_terms]
    return plan


# ------------------------------------------------------------------ DDL
class UsePlan(Plan):
    def __init__(self, ks):
        self.keyspace = ks

    def execute(self, store, ctx):
        if self.keyspace not in store.keyspaces and self.keyspace not in SYSTEM_KEYSPACES:
            raise CQLInvalid("Keyspace '%s' does not exist" % self.keyspace)
        return Outcome(R.set_keyspace(self.keyspace), keyspace=self.keyspace)


class CreateKeyspacePlan(Plan):
    def __init__(self, st):
        self.st = st
        if not _name_ok(st.keyspace):
            raise CQLInvalid('Keyspace name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got "%s")' % st.keyspace)
        if st.keyspace in SYSTEM_KEYSPACES:
            raise CQLInvalid('Cannot create keyspace %s: system keyspace' % st.keyspace)
        rep = st.props.get('replication')
        if not isinstance(rep, dict) or 'class' not in rep:
            raise CQLConfig('Missing mandatory option \'class\' in replication map' if isinstance(rep, dict)
                            else 'Missing mandatory replication strategy class')
        cls = rep['class'].split('.')[-1]
        if cls == 'SimpleStrategy':
            if 'replication_factor' not in rep:
                raise CQLConfig('SimpleStrategy requires a replication_factor strategy option.')
            extra = set(rep) - {'class', 'replication_factor'}
            if extra:
                raise CQLConfig('Unrecognized strategy option {%s} passed to SimpleStrategy' % ', '.join(sorted(extra)))
        elif cls != 'NetworkTopologyStrategy':
            raise CQLConfig('Unable to find replication strategy class \'%s\'' % rep['class'])
        for k, v in rep.items():
            if k != 'class':
                try:
                    if int(str(v)) < 0:
                        raise ValueError
                except ValueError:
                    raise CQLConfig('Replication factor must be non-negative integer; found %s' % v)
        unknown = set(st.props) - {'replication', 'durable_writes'}
        if unknown:
            raise CQLInvalid('peer: keyspace properties %s are not supported' % sorted(unknown))
        self.rep = {k: str(v) for k, v in rep.items()}

    def execute(self, store, ctx):
        ks = self.st.keyspace
        if ks in store.keyspaces:
            if self.st.if_not_exists:
                return Outcome(R.void())
            raise CQLAlreadyExists('Keyspace %s already exists' % ks, ks)
        return Outcome(R.schema_change('CREATED', 'KEYSPACE', ks), ops=[['mkks', ks, self.rep]])


class DropKeyspacePlan(Plan):
    def __init__(self, st):
        self.st = st
        if st.keyspace in SYSTEM_KEYSPACES:
            raise CQLInvalid('peer: cannot drop a system keyspace')

    def execute(self, store, ctx):
        ks = self.st.keyspace
        if ks not in store.keyspaces:
            if self.st.if_exists:
                return Outcome(R.void())
            raise CQLConfig("Cannot drop non existing keyspace '%s'." % ks)
        return Outcome(R.schema_change('DROPPED', 'KEYSPACE', ks), ops=[['dropks', ks]])


class CreateTablePlan(Plan):
    def __init__(self, st, ks):
        self.st, self.keyspace = st, ks
        if not _name_ok(st.table):
            raise CQLInvalid('Table name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got "%s")' % st.table)
        names = [c for c, _ in st.columns]
        if len(set(names)) != len(names):
            raise CQLInvalid('Multiple definition of identifier %s' % next(c for c in names if names.count(c) > 1))
        types = dict(st.columns)
        for c, t in st.columns:
            if t not in TYPE_NAMES:
                raise CQLInvalid('peer: column type %s (column %s) is not supported; supported: %s'
                                 % (t, c, ', '.join(sorted(TYPE_NAMES))))
        keys = st.partition_key + st.clustering
        for c in keys:
            if c not in types:
                raise CQLInvalid('Unknown definition %s referenced in PRIMARY KEY' % c)
            if types[c] == 'counter':
                raise CQLInvalid('counter type is not supported for PRIMARY KEY column \'%s\'' % c)
        if len(set(keys)) != len(keys):
            raise CQLInvalid('Duplicate column in PRIMARY KEY')
        regular = [c for c in names if c not in keys]
        counters = [c for c in regular if types[c] == 'counter']
        if counters and len(counters) != len(regular):
            raise CQLInvalid('Cannot mix counter and non counter columns in the same table')
        for c, o in st.order.items():
            if c not in st.clustering:
                raise CQLInvalid('Only clustering key columns can be defined in CLUSTERING ORDER directive')
        if st.order and list(st.order) != st.clustering[:len(st.order)]:
            raise CQLInvalid('The order of columns in the CLUSTERING ORDER directive must match that of the clustering columns')
        self.d = {'columns': [[c, 'text' if t == 'varchar' else t] for c, t in st.columns],
                  'pk': st.partition_key, 'ck': st.clustering,
                  'order': {c: st.order.get(c, 'asc') for c in st.clustering}}

    def execute(self, store, ctx):
        k = store.keyspaces.get(self.keyspace)
        if k is None:
            raise CQLConfig("Cannot add table '%s' to non existing keyspace '%s'." % (self.st.table, self.keyspace))
        if self.st.table in k['tables']:
            if self.st.if_not_exists:
                return Outcome(R.void())
            raise CQLAlreadyExists('Table %s.%s already exists' % (self.keyspace, self.st.table), self.keyspace,
                                   self.st.table)
        return Outcome(R.schema_change('CREATED', 'TABLE', self.keyspace, self.st.table),
                       ops=[['mktable', self.keyspace, self.st.table, self.d]])


class DropTablePlan(Plan):
    def __init__(self, st, ks):
        self.st, self.keyspace = st, ks

    def execute(self, store, ctx):
        if store.table(self.keyspace, self.st.table, required=False) is None:
            if self.st.if_exists:
                return Outcome(R.void())
            raise CQLConfig("Table '%s.%s' doesn't exist" % (self.keyspace, self.st.table))
        return Outcome(R.schema_change('DROPPED', 'TABLE', self.keyspace, self.st.table),
                       ops=[['droptable', self.keyspace, self.st.table]])


class TruncatePlan(Plan):
    def __init__(self, st, ks):
        self.st, self.keyspace = st, ks

    def execute(self, store, ctx):
        store.table(self.keyspace, self.st.table)
        return Outcome(R.void(), ops=[['truncate', self.keyspace, self.st.table]])


# ------------------------------------------------------------------ WHERE analysis
class Where:
    """Primary-key restrictions: pk terms, clustering prefix (eq / IN) and an optional slice."""

    def __init__(self, t, rels, spec, what):
        self.t = t
        by = {}
        for r in rels:
            if r.col not in t.columns:
                raise CQLInvalid('Undefined column name %s' % r.col)
            by.setdefault(r.col, []).append(r)
            typ = t.cqltype(r.col)
            for term in r.terms:
                spec(term, r.col, typ)
        for c, rs in by.items():
            if c not in t.pk and c not in t.ck:
                raise CQLInvalid('Cannot execute this query as it might involve data filtering and thus may have '
                                 'unpredictable performance. If you want to execute this query despite the '
                                 'performance unpredictability, use ALLOW FILTERING (peer: restrictions on the '
                                 'non primary key column %s are not supported)' % c)
            ops = sorted(r.op for r in rs)
            if len(rs) > 1 and not (len(rs) == 2 and ops[0][0] in '<' and ops[1][0] in '>'):
                raise CQLInvalid('More than one restriction was found for column %s' % c)
        # partition key
        self.pk_terms = None
        pk_rel = [c for c in t.pk if c in by]
        if pk_rel:
            missing = [c for c in t.pk if c not in by]
            if missing:
                raise CQLInvalid('Cannot execute this query as it might involve data filtering and thus may have '
                                 'unpredictable performance (partition key parts %s must be restricted as other '
                                 'parts are)' % ', '.join(missing))
            self.pk_terms = []
            for c in t.pk:
                r = by[c][0]
                if r.op == 'IN':
                    raise CQLInvalid('peer: IN on partition key column %s is not supported' % c)
                if r.op != '=':
                    raise CQLInvalid('Only EQ and IN relation are supported on the partition key (unless you use '
                                     'the token() function)')
                self.pk_terms.append(r.terms[0])
        # clustering
        self.prefix, self.slice = [], None      # prefix: [(col, [terms])]; slice: (col, lo, hi)
        done = None
        for c in t.ck:
            rs = by.get(c)
            if not rs:
                done = done or ('unrestricted', c)
                continue
            if done is not None:
                if done[0] == 'unrestricted':
                    raise CQLInvalid('PRIMARY KEY column "%s" cannot be restricted as preceding column "%s" is not '
                                     'restricted' % (c, done[1]))
                raise CQLInvalid('Clustering column "%s" cannot be restricted (preceding column "%s" is restricted '
                                 'by a non-EQ relation)' % (c, done[1]))
            if rs[0].op in ('=', 'IN'):
                self.prefix.append((c, rs[0].terms if rs[0].op == 'IN' else [rs[0].terms[0]]))
            else:
                lo = hi = None
                for r in rs:
                    if r.op in ('>', '>='):
                        lo = (r.terms[0], r.op == '>=')
                    else:
                        hi = (r.terms[0], r.op == '<=')
                self.slice = (c, lo, hi)
                done = ('slice', c)
        if self.pk_terms is None and (self.prefix or self.slice):
            raise CQLInvalid('Cannot execute this query as it might involve data filtering and thus may have '
                             'unpredictable performance. If you want to execute this query despite the performance '
                             'unpredictability, use ALLOW FILTERING (peer: not supported)')
        self.what = what

    def _val(self, plan, ctx, term, c):
        v = plan.bind(ctx, term, c, self.t.columns[c])
        if v is None:
            raise CQLInvalid('Invalid null value in condition for column %s' % c)
        if v is UNSET:
            raise CQLInvalid('Invalid unset value for column %s' % c)
        return v

    def pk(self, plan, ctx):
        if self.pk_terms is None:
            return None
        return tuple(self._val(plan, ctx, term, c) for c, term in zip(self.t.pk, self.pk_terms))

    def prefix_sets(self, plan, ctx):
        return [(c, sorted(set(self._val(plan, ctx, term, c) for term in terms),
                           key=lambda b, c=c: natural(self.t.columns[c], b))) for c, terms in self.prefix]

    def slice_bytes(self, plan, ctx):
        if self.slice is None:
            return None
        c, lo, hi = self.slice
        return (c, None if lo is None else (self._val(plan, ctx, lo[0], c), lo[1]),
                None if hi is None else (self._val(plan, ctx, hi[0], c), hi[1]))


def _ts_and_ttl(plan, ctx, st_ttl, st_ts, allow_ttl=True):
    ts = None
    if st_ts is not None:
        v = plan.bind(ctx, st_ts, '[timestamp]', 'bigint')
        if v is None:
            raise CQLInvalid('Invalid null value of timestamp')
        if v is not UNSET:
            ts = struct.unpack('>q', v)[0]
    ttl = 0
    if st_ttl is not None:
        v = plan.bind(ctx, st_ttl, '[ttl]', 'int')
        if v is None:
            raise CQLInvalid('Invalid null value of TTL')
        if v is not UNSET:
            ttl = struct.unpack('>i', v)[0]
            if ttl < 0:
                raise CQLInvalid('A TTL must be greater or equal to 0, but was %d' % ttl)
            if ttl > MAX_TTL:
                raise CQLInvalid('ttl is too large. requested (%d) maximum (%d)' % (ttl, MAX_TTL))
    return ts, ttl


def _write_ts(store, ctx, stmt_ts):
    if stmt_ts is not None:
        return stmt_ts
    if ctx.timestamp is not None:
        return ctx.timestamp
    return store.now_micros()


# ------------------------------------------------------------------ DML
class InsertPlan(Plan):
    kind = 'write'

    def __init__(self, t, st, spec):
        self.t, self.st, self.ks, self.table = t, st, t.ks, t.name
        if t.counter:
            raise CQLInvalid('INSERT statements are not allowed on counter tables, use UPDATE instead')
        for c, term in zip(st.columns, st.values):
            if c not in t.columns:
                raise CQLInvalid('Undefined column name %s' % c)
            spec(term, c, t.cqltype(c))
        missing = [c for c in t.pk if c not in st.columns]
        if missing:
            raise CQLInvalid('Some partition key parts are missing: %s' % ', '.join(missing))
        missing = [c for c in t.ck if c not in st.columns]
        if missing:
            raise CQLInvalid('Some clustering keys are missing: %s' % ', '.join(missing))
        if st.timestamp is not None:
            spec(st.timestamp, '[timestamp]', T.LongType)
        if st.ttl is not None:
            spec(st.ttl, '[ttl]', T.Int32Type)
        self.pk_terms = [st.values[st.columns.index(c)] for c in t.pk]

    def execute(self, store, ctx):
        t = self.t
        vals = {c: self.bind(ctx, term, c, t.columns[c]) for c, term in zip(self.st.columns, self.st.values)}
        for c in t.pk + t.ck:
            if vals[c] is None:
                raise CQLInvalid('Invalid null value in condition for column %s' % c)
            if vals[c] is UNSET:
                raise CQLInvalid('Invalid unset value for column %s' % c)
        if any(len(vals[c]) == 0 for c in t.pk) and len(t.pk) == 1:
            raise CQLInvalid('Key may not be empty')
        sts, ttl = _ts_and_ttl(self, ctx, self.st.ttl, self.st.timestamp)
        ts = _write_ts(store, ctx, sts)
        exp = ctx.now + ttl if ttl else None
        cells = {c: [ts, _h(v), exp if v is not None else None] for c, v in vals.items()
                 if c in t.regular and v is not UNSET}
        op = ['row', t.ks, t.name, [_h(vals[c]) for c in t.pk], [_h(vals[c]) for c in t.ck], [ts, exp], cells]
        return Outcome(R.void(), ops=[op])


class UpdatePlan(Plan):
    kind = 'write'

    def __init__(self, t, st, spec):
        self.t, self.st, self.ks, self.table = t, st, t.ks, t.name
        for c, how, sign, term in st.assigns:
            if c not in t.columns:
                raise CQLInvalid('Undefined column name %s' % c)
            if c in t.pk or c in t.ck:
                raise CQLInvalid('PRIMARY KEY part %s found in SET part' % c)
            if how == 'add' and t.columns[c] != 'counter':
                raise CQLInvalid('Invalid operation (%s = %s %s ?) for non counter column %s'
                                 % (c, c, '+' if sign > 0 else '-', c))
            if how == 'set' and t.columns[c] == 'counter':
                raise CQLInvalid('Cannot set the value of counter column %s (counters can only be '
                                 'incremented/decremented, not set)' % c)
            spec(term, c, t.cqltype(c))
        if t.counter and st.ttl is not None:
            raise CQLInvalid('Cannot provide custom TTL for counter updates')
        if t.counter and st.timestamp is not None:
            raise CQLInvalid('Cannot provide custom timestamp for counter updates')
        if st.timestamp is not None:
            spec(st.timestamp, '[timestamp]', T.LongType)
        if st.ttl is not None:
            spec(st.ttl, '[ttl]', T.Int32Type)
        self.where = Where(t, st.where, spec, 'update')
        if self.where.pk_terms is None:
            raise CQLInvalid('Some partition key parts are missing: %s' % ', '.join(t.pk))
        if self.where.slice is not None:
            raise CQLInvalid('Slice restrictions are not supported on the clustering columns in UPDATE statements')
        if len(self.where.prefix) != len(t.ck):
            raise CQLInvalid('Some clustering keys are missing: %s' % ', '.join(t.ck[len(self.where.prefix):]))
        if any(len(terms) != 1 or r_is_in(st.where, c) for c, terms in self.where.prefix):
            raise CQLInvalid('peer: IN in UPDATE is not supported')
        self.pk_terms = self.where.pk_terms
        self.counter = t.counter

    def execute(self, store, ctx):
        t = self.t
        pk = self.where.pk(self, ctx)
        ck = tuple(s[1][0] for s in self.where.prefix_sets(self, ctx))
        sts, ttl = _ts_and_ttl(self, ctx, self.st.ttl, self.st.timestamp)
        ts = _write_ts(store, ctx, sts)
        exp = ctx.now + ttl if ttl else None
        ops, cells = [], {}
        for c, how, sign, term in self.st.assigns:
            v = self.bind(ctx, term, c, t.columns[c])
            if v is UNSET:
                continue
            if how == 'add':
                if v is None:
                    raise CQLInvalid('Invalid null value for counter increment')
                ops.append(['ctr', t.ks, t.name, [_h(x) for x in pk], [_h(x) for x in ck], c, ts,
                            sign * struct.unpack('>q', v)[0]])
            else:
                cells[c] = [ts, _h(v), exp if v is not None else None]
        if cells:
            ops.append(['row', t.ks, t.name, [_h(x) for x in pk], [_h(x) for x in ck], None, cells])
        return Outcome(R.void(), ops=ops)


def r_is_in(rels, c):
    return any(r.col == c and r.op == 'IN' for r in rels)


class DeletePlan(Plan):
    kind = 'write'

    def __init__(self, t, st, spec):
        self.t, self.st, self.ks, self.table = t, st, t.ks, t.name
        if st.timestamp is not None:
            spec(st.timestamp, '[timestamp]', T.LongType)
        self.where = Where(t, st.where, spec, 'delete')
        if self.where.pk_terms is None:
            raise CQLInvalid('Some partition key parts are missing: %s' % ', '.join(t.pk))
        self.pk_terms = self.where.pk_terms
        self.counter = t.counter

    def execute(self, store, ctx):
        t = self.t
        pk = [_h(x) for x in self.where.pk(self, ctx)]
        prefix = self.where.prefix_sets(self, ctx)
        sl = self.where.slice_bytes(self, ctx)
        sts, _ = _ts_and_ttl(self, ctx, None, self.st.timestamp)
        ts = _write_ts(store, ctx, sts)
        ops = []
        for combo in itertools.product(*[vals for _, vals in prefix]):
            lo = hi = None
            if sl is not None:
                lo = None if sl[1] is None else [_h(sl[1][0]), sl[1][1]]
                hi = None if sl[2] is None else [_h(sl[2][0]), sl[2][1]]
            ops.append(['del', t.ks, t.name, pk, [_h(x) for x in combo], lo, hi, ts])
        return Outcome(R.void(), ops=ops)


# ------------------------------------------------------------------ SELECT
def rows_body(ks, table, columns, rows, paging_state=None, no_metadata=False):
    """RESULT Rows with values already serialized (bytes or None)."""
    f = io.BytesIO()
    write_int(f, 2)
    C._rows_metadata(f, ks, table, columns, paging_state, no_metadata)
    write_int(f, len(rows))
    for row in rows:
        for v in row:
            write_value(f, v)
    return 0x08, f.getvalue()


class SelectPlan(Plan):
    kind = 'read'

    def __init__(self, t, st, spec):
        self.t, self.st, self.ks, self.table = t, st, t.ks, t.name
        if st.allow_filtering:
            raise CQLInvalid('peer: ALLOW FILTERING is not supported')
        cols = st.columns or t.star
        for c in cols:
            if c not in t.columns:
                raise CQLInvalid('Undefined column name %s' % c)
        self.cols = cols
        self.result_columns = [(c, t.cqltype(c)) for c in cols]
        self.where = Where(t, st.where, spec, 'select')
        self.pk_terms = self.where.pk_terms
        self.reversed = False
        if st.order:
            if self.where.pk_terms is None:
                raise CQLInvalid('ORDER BY is only supported when the partition key is restricted by an EQ or an IN.')
            flips = set()
            for n, (c, d) in enumerate(st.order):
                if c not in t.ck:
                    raise CQLInvalid('Order by is currently only supported on the clustered columns of the PRIMARY '
                                     'KEY, got %s' % c)
                if t.ck.index(c) != n:
                    raise CQLInvalid('Order by currently only supports the ordering of columns following their '
                                     'declared order in the PRIMARY KEY')
                flips.add(d != t.order[c])
            if len(flips) != 1:
                raise CQLInvalid('Unsupported order by relation')
            self.reversed = flips.pop()
        self.limit = st.limit
        if st.limit is not None:
            spec(st.limit, '[limit]', T.Int32Type)

    def _rows(self, store, ctx, pk, prefix, sl):
        """Every live row in query order: (partition, row, values).  Each combination of the clustering
        prefix's values is a contiguous block of the partition's sorted rows, found by bisection."""
        t = self.t
        if pk is not None:
            p = t.partitions.get(pk)
            parts = [p] if p is not None else []
        else:
            parts = t.ordered_partitions()
        n = len(prefix)
        sk = lambda c, v: Desc(v) if t.order.get(c) == 'desc' else v      # noqa: E731
        per_col = []
        for c, vals in prefix:
            nat = sorted(set(natural(t.columns[c], v) for v in vals), reverse=t.order.get(c) == 'desc')
            per_col.append([sk(c, v) for v in nat])
        combos = list(itertools.product(*per_col))
        lo = hi = start = end = None
        if sl is not None:
            c, typ = sl[0], t.columns[sl[0]]
            lo = None if sl[1] is None else (natural(typ, sl[1][0]), sl[1][1])
            hi = None if sl[2] is None else (natural(typ, sl[2][0]), sl[2][1])
            first, last = (hi, lo) if t.order.get(c) == 'desc' else (lo, hi)
            start = None if first is None else sk(c, first[0])
            end = None if last is None else sk(c, last[0])
        if self.reversed:
            combos.reverse()
        for p in parts:
            rows = p.ordered()
            for combo in combos:
                skey = combo + (start,) if start is not None else combo
                ekey = combo + (end,) if end is not None else combo
                i = bisect.bisect_left(rows, skey, key=lambda r, k=len(skey): r.sk[:k])
                j = bisect.bisect_right(rows, ekey, key=lambda r, k=len(ekey): r.sk[:k])
                block = rows[i:j]
                for r in (reversed(block) if self.reversed else block):
                    if sl is not None:
                        v = r.nat[n]
                        if lo is not None and (v < lo[0] or (v == lo[0] and not lo[1])):
                            continue
                        if hi is not None and (v > hi[0] or (v == hi[0] and not hi[1])):
                            continue
                    vals = store.live_values(t, p, r, self.cols, ctx.now)
                    if vals is not None:
                        yield p, r, vals

    def execute(self, store, ctx):
        t = self.t
        pk = self.where.pk(self, ctx)
        prefix = self.where.prefix_sets(self, ctx)
        sl = self.where.slice_bytes(self, ctx)
        limit = None
        if self.limit is not None:
            v = self.bind(ctx, self.limit, '[limit]', 'int')
            if v is None or v is UNSET:
                raise CQLInvalid('Invalid null value of limit')
            limit = struct.unpack('>i', v)[0]
            if limit <= 0:
                raise CQLInvalid('LIMIT must be strictly positive')
        done, after = 0, None
        if ctx.paging_state is not None:
            try:
                raw = ctx.paging_state
                if not raw.startswith(b'peer1:'):
                    raise ValueError('foreign paging state')
                st = json.loads(raw[6:].decode())
                after = (tuple(bytes.fromhex(x) for x in st['pk']), tuple(bytes.fromhex(x) for x in st['ck']))
                done = int(st['n'])
            except (ValueError, KeyError, TypeError):
                raise CQLInvalid('Invalid value for the paging state')
        remaining = None if limit is None else limit - done
        page = ctx.page_size if ctx.page_size and ctx.page_size > 0 else None
        take = min(x for x in (remaining, page, 1 << 62) if x is not None)
        out, more, last = [], False, None
        it = self._rows(store, ctx, pk, prefix, sl)
        if after is not None:
            it = self._skip_past(it, after)
        if take > 0:
            for p, r, vals in it:
                if len(out) == take:
                    more = True
                    break
                out.append(vals)
                last = (p, r)
        state = None
        if more and (remaining is None or remaining > len(out)):
            state = b'peer1:' + json.dumps({'pk': [x.hex() for x in last[0].pk], 'ck': [x.hex() for x in last[1].ck],
                                            'n': done + len(out)}).encode()
        return Outcome(rows_body(t.ks, t.name, self.result_columns, out, state, ctx.skip_meta))

    def _skip_past(self, it, after):
        t = self.t
        from cqlstore import token_of
        apk, ack = after
        akey = (token_of(apk), apk)
        ask = t.sk_of(t.nat_ck(ack))
        for p, r, vals in it:
            pkey = (p.token, p.pk)
            if pkey < akey:
                continue
            if pkey == akey:
                if (r.sk <= ask) if not self.reversed else (r.sk >= ask):
                    continue
            yield p, r, vals


class SystemSelectPlan(Plan):
    kind = 'read'

    def __init__(self, ks, table, cols):
        self.ks, self.table, self.sys_cols = ks, table, cols
        known = {c[0]: c for c in LOCAL}
        if ks == 'system' and table == 'local':
            sel = [c[0] for c in LOCAL] if cols is None else cols
            self.result_columns = [(c, known[c][1] if c in known else T.UTF8Type) for c in sel]
            self.row = tuple(known[c][2] if c in known else None for c in sel)
        else:
            sel = cols or (['peer', 'host_id'] if ks == 'system' else ['keyspace_name'])
            types = {'peer': T.InetAddressType, 'host_id': T.UUIDType, 'rpc_address': T.InetAddressType,
                     'schema_version': T.UUIDType, 'tokens': T.SetType.apply_parameters((T.UTF8Type,))}
            self.result_columns = [(c, types.get(c, T.UTF8Type)) for c in sel]
            self.row = None

    def execute(self, store, ctx):
        rows = [self.row] if self.row is not None else []
        return Outcome(R.rows(self.ks, self.table, self.result_columns, rows, no_metadata=ctx.skip_meta))
