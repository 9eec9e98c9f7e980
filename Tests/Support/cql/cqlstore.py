"""Schema, storage and statement semantics of the CQL peer (no I/O here).

Statements are analysed against the schema into plans (bind specs included, as PREPARE needs them);
executing a write plan yields *mutation ops*: plain JSON-able lists with every timestamp and expiry
already resolved, so the commit log replays them exactly.  Reads run against the in-memory state.

Cassandra rules kept: upsert on INSERT (row marker + cells), UPDATE writes cells only, last write wins
per cell by write timestamp (tie: tombstone wins, then the longer-living cell, then the greater value),
row / range / partition tombstones shadow everything with a timestamp <= theirs, TTL expiry at
write-second + ttl, counters add, rows come back in token order of the partition key and clustering
order inside a partition.
"""
import bisect
import functools
import struct
import time
import uuid

from cassandra import cqltypes as T
from cassandra.murmur3 import murmur3

import cqlcodec as C
from cqlparse import CQLError, CQLInvalid

UNSET = C.UNSET
MAX_TTL = 630720000

CQLTYPES = {'bigint': T.LongType, 'text': T.UTF8Type, 'varchar': T.UTF8Type, 'timestamp': T.DateType,
            'double': T.DoubleType, 'boolean': T.BooleanType, 'int': T.Int32Type, 'counter': T.CounterColumnType}
_FIXED = {'bigint': 8, 'timestamp': 8, 'counter': 8, 'double': 8, 'int': 4, 'boolean': 1}


class CQLConfig(CQLError):
    code = 0x2300


class CQLAlreadyExists(CQLError):
    code = 0x2400

    def __init__(self, msg, keyspace, table=''):
        super().__init__(msg)
        self.keyspace, self.table = keyspace, table


# ------------------------------------------------------------------ values
def natural(typ, b):
    """The value Cassandra's comparator orders by."""
    if typ in ('bigint', 'timestamp', 'counter'):
        return struct.unpack('>q', b)[0]
    if typ == 'int':
        return struct.unpack('>i', b)[0]
    if typ == 'double':
        return struct.unpack('>d', b)[0]
    if typ == 'boolean':
        return b != b'\x00'
    return b                                        # text: UTF8Type compares the bytes


def check_value(col, typ, b):
    if b is None or b is UNSET:
        return b
    n = _FIXED.get(typ)
    if n is not None and len(b) != n:
        if len(b) == 0:
            raise CQLInvalid('peer: empty (zero-length, not null) %s value for column %s is not supported' % (typ, col))
        raise CQLInvalid('Expected %d bytes for a %s value of column %s (got %d)' % (n, typ, col, len(b)))
    if typ in ('text', 'varchar'):
        try:
            b.decode('utf-8')
        except UnicodeDecodeError:
            raise CQLInvalid('Invalid UTF-8 bytes %s for column %s' % (b[:32].hex(), col))
    return b


def literal_bytes(col, typ, lit):
    k, v = lit.kind, lit.value
    if k == 'null':
        return None
    try:
        if typ in ('bigint', 'counter') and k == 'int':
            return struct.pack('>q', v)
        if typ == 'timestamp':
            if k == 'int':
                return struct.pack('>q', v)
            if k == 'str':
                return struct.pack('>q', _parse_ts(v))
        if typ == 'int' and k == 'int':
            return struct.pack('>i', v)
        if typ == 'double' and k in ('int', 'float'):
            return struct.pack('>d', float(v))
        if typ == 'boolean' and k == 'bool':
            return b'\x01' if v else b'\x00'
        if typ in ('text', 'varchar') and k == 'str':
            return v.encode('utf-8')
    except struct.error:
        raise CQLInvalid('Invalid literal %r for column %s of type %s (out of range)' % (v, col, typ))
    raise CQLInvalid('Invalid %s constant (%s) for "%s" of type %s' % (
        {'int': 'INTEGER', 'float': 'FLOAT', 'str': 'STRING', 'bool': 'BOOLEAN'}.get(k, k), v, col, typ))


def _parse_ts(s):
    import datetime
    t = s.strip().replace(' ', 'T', 1)
    if t.endswith('Z'):
        t = t[:-1] + '+00:00'
    if len(t) >= 5 and t[-5] in '+-' and t[-4:].isdigit() and 'T' in t:
        t = t[:-2] + ':' + t[-2:]
    try:
        d = datetime.datetime.fromisoformat(t)
    except ValueError:
        raise CQLInvalid("Unable to coerce '%s' to a formatted date (long)" % s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


@functools.total_ordering
class Desc:
    __slots__ = ('v',)

    def __init__(self, v):
        self.v = v

    def __eq__(self, o):
        return self.v == o.v

    def __lt__(self, o):
        return self.v > o.v

    def __hash__(self):
        return hash(self.v)


def token_of(pk):
    if len(pk) == 1:
        key = pk[0]
    else:
        key = b''.join(struct.pack('>H', len(p)) + p + b'\x00' for p in pk)
    return murmur3(key)


# ------------------------------------------------------------------ storage
class Row:
    __slots__ = ('ck', 'nat', 'sk', 'marker', 'cells', 'counters', 'deleted')

    def __init__(self, ck, nat, sk):
        self.ck, self.nat, self.sk = ck, nat, sk
        self.marker = None          # (ts, expiry|None)
        self.cells = {}             # col -> (ts, bytes|None, expiry|None)
        self.counters = {}          # col -> [(ts, delta)]
        self.deleted = None         # row tombstone timestamp


class Partition:
    __slots__ = ('pk', 'token', 'deleted', 'ranges', 'rows', 'sorted')

    def __init__(self, pk):
        self.pk, self.token = pk, token_of(pk)
        self.deleted = None         # partition tombstone timestamp
        self.ranges = []            # (prefix, lo, hi, ts), lo/hi = (natural, inclusive) | None
        self.rows = {}
        self.sorted = []            # the rows in clustering order, kept sorted on insert and removal

    def ordered(self):
        return self.sorted

    def add(self, r):
        self.rows[r.ck] = r
        bisect.insort(self.sorted, r, key=_row_sk)

    def remove(self, r):
        del self.rows[r.ck]
        i = bisect.bisect_left(self.sorted, r.sk, key=_row_sk)
        assert self.sorted[i] is r
        del self.sorted[i]


def _row_sk(r):
    return r.sk


def _reconcile(old, new, now):
    """Cassandra's cell reconciliation: (ts, value|None, expiry|None) tuples."""
    if old is None:
        return new
    if old[0] != new[0]:
        return new if new[0] > old[0] else old
    old_live = old[1] is not None and (old[2] is None or now < old[2])
    new_live = new[1] is not None and (new[2] is None or now < new[2])
    if old_live != new_live:
        return old if not old_live else new
    oe = old[2] if old[2] is not None else 1 << 62
    ne = new[2] if new[2] is not None else 1 << 62
    if oe != ne:
        return new if ne > oe else old
    return new if (new[1] or b'') > (old[1] or b'') else old


class Table:
    def __init__(self, ks, name, d):
        self.ks, self.name, self.d = ks, name, d
        self.columns = dict((c, t) for c, t in d['columns'])
        self.pk, self.ck, self.order = d['pk'], d['ck'], d['order']
        self.regular = [c for c, _ in d['columns'] if c not in self.pk and c not in self.ck]
        self.star = self.pk + self.ck + sorted(self.regular)
        self.counter = any(t == 'counter' for t in self.columns.values())
        self.partitions = {}
        self.sorted_parts = None

    def cqltype(self, c):
        return CQLTYPES[self.columns[c]]

    def partition(self, pk, create):
        p = self.partitions.get(pk)
        if p is None and create:
            p = self.partitions[pk] = Partition(pk)
            self.sorted_parts = None
        return p

    def ordered_partitions(self):
        if self.sorted_parts is None:
            self.sorted_parts = sorted(self.partitions.values(), key=lambda p: (p.token, p.pk))
        return self.sorted_parts

    def nat_ck(self, ck):
        return tuple(natural(self.columns[c], v) for c, v in zip(self.ck, ck))

    def sk_of(self, nat):
        return tuple(Desc(v) if self.order.get(c) == 'desc' else v for c, v in zip(self.ck, nat))

    def row(self, p, ck):
        r = p.rows.get(ck)
        if r is None:
            nat = self.nat_ck(ck)
            r = Row(ck, nat, self.sk_of(nat))
            p.add(r)
        return r


def _covers(prefix, lo, hi, nat):
    n = len(prefix)
    if tuple(nat[:n]) != tuple(prefix):
        return False
    if lo is not None:
        v = nat[n]
        if v < lo[0] or (v == lo[0] and not lo[1]):
            return False
    if hi is not None:
        v = nat[n]
        if v > hi[0] or (v == hi[0] and not hi[1]):
            return False
    return True


def shadow_ts(p, r):
    s = p.deleted if p.deleted is not None else -(1 << 63)
    if r.deleted is not None and r.deleted > s:
        s = r.deleted
    for prefix, lo, hi, ts in p.ranges:
        if ts > s and _covers(prefix, lo, hi, r.nat):
            s = ts
    return s


def _purge(r, ts):
    if r.marker is not None and r.marker[0] <= ts:
        r.marker = None
    for c in [c for c, cell in r.cells.items() if cell[0] <= ts]:
        del r.cells[c]
    for c, deltas in list(r.counters.items()):
        keep = [d for d in deltas if d[0] > ts]
        if keep:
            r.counters[c] = keep
        else:
            del r.counters[c]


def _h(b):
    return None if b is None else b.hex()


def _b(h):
    return None if h is None else bytes.fromhex(h)


# ------------------------------------------------------------------ the database
class Store:
    def __init__(self):
        self.keyspaces = {}          # name -> {'replication': {...}, 'tables': {name: Table}}
        self.clock_last = 0

    def now_micros(self):
        t = time.time_ns() // 1000
        self.clock_last = t if t > self.clock_last else self.clock_last + 1
        return self.clock_last

    def table(self, ks, name, required=True):
        k = self.keyspaces.get(ks)
        if k is None:
            if required:
                raise CQLInvalid('Keyspace %s does not exist' % ks)
            return None
        t = k['tables'].get(name)
        if t is None and required:
            raise CQLInvalid('unconfigured table %s' % name)
        return t

    # -- applying resolved ops (live and on replay); never fails on a missing table
    def apply(self, ops, now=None):
        now = int(time.time()) if now is None else now
        for op in ops:
            kind = op[0]
            if kind == 'mkks':
                self.keyspaces.setdefault(op[1], {'replication': op[2], 'tables': {}})
            elif kind == 'dropks':
                self.keyspaces.pop(op[1], None)
            elif kind == 'mktable':
                k = self.keyspaces.get(op[1])
                if k is not None and op[2] not in k['tables']:
                    k['tables'][op[2]] = Table(op[1], op[2], op[3])
            elif kind == 'droptable':
                k = self.keyspaces.get(op[1])
                if k is not None:
                    k['tables'].pop(op[2], None)
            elif kind == 'truncate':
                t = self.table(op[1], op[2], required=False)
                if t is not None:
                    t.partitions, t.sorted_parts = {}, None
            else:
                t = self.table(op[1], op[2], required=False)
                if t is not None:
                    self._apply_dml(t, op, now)

    def _apply_dml(self, t, op, now):
        kind, pk = op[0], tuple(_b(x) for x in op[3])
        p = t.partition(pk, create=True)
        if kind == 'row':
            r = t.row(p, tuple(_b(x) for x in op[4]))
            if op[5] is not None:
                m = (op[5][0], b'', op[5][1])
                old = None if r.marker is None else (r.marker[0], b'', r.marker[1])
                w = _reconcile(old, m, now)
                r.marker = (w[0], w[2])
            for c, (ts, v, exp) in op[6].items():
                r.cells[c] = _reconcile(r.cells.get(c), (ts, _b(v), exp), now)
        elif kind == 'ctr':
            r = t.row(p, tuple(_b(x) for x in op[4]))
            r.counters.setdefault(op[5], []).append((op[6], op[7]))
        elif kind == 'del':
            prefix = tuple(_b(x) for x in op[4])
            lo = None if op[5] is None else (_b(op[5][0]), op[5][1])
            hi = None if op[6] is None else (_b(op[6][0]), op[6][1])
            ts = op[7]
            if not prefix and lo is None and hi is None:
                p.deleted = ts if p.deleted is None or ts > p.deleted else p.deleted
                for ck in list(p.rows):
                    self._purge_row(p, p.rows[ck], ts)
            elif len(prefix) == len(t.ck):
                r = t.row(p, prefix)
                r.deleted = ts if r.deleted is None or ts > r.deleted else r.deleted
                _purge(r, ts)
            else:
                n = len(prefix)
                nprefix = tuple(natural(t.columns[c], v) for c, v in zip(t.ck, prefix))
                col = t.ck[n] if n < len(t.ck) else None
                nlo = None if lo is None else (natural(t.columns[col], lo[0]), lo[1])
                nhi = None if hi is None else (natural(t.columns[col], hi[0]), hi[1])
                p.ranges.append((nprefix, nlo, nhi, ts))
                for r in list(p.rows.values()):
                    if _covers(nprefix, nlo, nhi, r.nat):
                        self._purge_row(p, r, ts)

    @staticmethod
    def _purge_row(p, r, ts):
        _purge(r, ts)
        if r.marker is None and not r.cells and not r.counters and (r.deleted is None or r.deleted <= ts):
            p.remove(r)

    # -- reading one row
    def live_values(self, t, p, r, cols, now):
        """The selected values of a row, or None when the row is not live."""
        s = shadow_ts(p, r)
        live = r.marker is not None and r.marker[0] > s and (r.marker[1] is None or now < r.marker[1])
        vals = {}
        for c, (ts, v, exp) in r.cells.items():
            if v is not None and ts > s and (exp is None or now < exp):
                vals[c] = v
                live = True
        for c, deltas in r.counters.items():
            tot, seen = 0, False
            for ts, d in deltas:
                if ts > s:
                    tot += d
                    seen = True
            if seen:
                vals[c] = struct.pack('>q', ((tot + (1 << 63)) % (1 << 64)) - (1 << 63))
                live = True
        if not live:
            return None
        out = []
        for c in cols:
            if c in t.pk:
                out.append(p.pk[t.pk.index(c)])
            elif c in t.ck:
                out.append(r.ck[t.ck.index(c)])
            else:
                out.append(vals.get(c))
        return out


# ------------------------------------------------------------------ system tables (driver probes)
HOST_ID, SCHEMA_V = uuid.UUID(int=1), uuid.UUID(int=2)
LOCAL = [('key', T.UTF8Type, 'local'), ('bootstrapped', T.UTF8Type, 'COMPLETED'),
         ('broadcast_address', T.InetAddressType, '127.0.0.1'), ('cluster_name', T.UTF8Type, 'cql-peer'),
         ('cql_version', T.UTF8Type, '3.4.5'), ('data_center', T.UTF8Type, 'datacenter1'),
         ('host_id', T.UUIDType, HOST_ID), ('listen_address', T.InetAddressType, '127.0.0.1'),
         ('native_protocol_version', T.UTF8Type, '4'),
         ('partitioner', T.UTF8Type, 'org.apache.cassandra.dht.Murmur3Partitioner'),
         ('rack', T.UTF8Type, 'rack1'), ('release_version', T.UTF8Type, '4.1.0-cql-peer'),
         ('rpc_address', T.InetAddressType, '127.0.0.1'), ('schema_version', T.UUIDType, SCHEMA_V),
         ('tokens', T.SetType.apply_parameters((T.UTF8Type,)), {'0'})]
SYSTEM_KEYSPACES = {'system', 'system_schema', 'system_virtual_schema', 'system_auth', 'system_distributed',
                    'system_traces', 'system_views'}
