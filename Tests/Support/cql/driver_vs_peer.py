"""The DataStax Python driver (an independent client) against the CQL peer: every statement of the
Cassandra telemetry store, prepared and batched, with the results asserted.

    python3 driver_vs_peer.py PORT [--dir DIR]

With --dir (the DIR the peer was started with by scripts/cql-peer.sh) it also drives faults through
DIR/faults.json, kills the peer with SIGKILL and restarts it on the same DIR and PORT to check that no
acknowledged write is lost, and runs a second peer on PORT+1 (a temporary DIR) for authentication and
for the oracle's rejection of malformed frames.  Exits 1 on any mismatch.
"""
import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cassandra import (ConsistencyLevel, InvalidRequest, OperationTimedOut, ReadTimeout, Unavailable,  # noqa: E402
                       WriteTimeout, AuthenticationFailed)
from cassandra.auth import PlainTextAuthProvider                                  # noqa: E402
from cassandra.cluster import Cluster, ExecutionProfile, EXEC_PROFILE_DEFAULT, NoHostAvailable  # noqa: E402
from cassandra.policies import (ConstantReconnectionPolicy, FallthroughRetryPolicy,  # noqa: E402
                                WhiteListRoundRobinPolicy)
from cassandra.protocol import (SyntaxException, OverloadedErrorMessage, ProtocolException,  # noqa: E402
                                QueryMessage, BatchMessage, _ProtocolHandler)
from cassandra.query import BatchStatement, BatchType, SimpleStatement, UNSET_VALUE           # noqa: E402
from cassandra import cqltypes as T                                               # noqa: E402

import cqlcodec as C                                                             # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, '..', '..', '..', 'scripts', 'cql-peer.sh')

ap = argparse.ArgumentParser()
ap.add_argument('port', type=int)
ap.add_argument('--dir')
args = ap.parse_args()
PORT = args.port

passed, failed = [], []


def check(name, cond, detail=''):
    if cond:
        passed.append(name)
        print('ok   ', name)
    else:
        failed.append(name)
        print('FAIL ', name, detail)


def section(name, fn):
    print('==', name)
    try:
        fn()
    except Exception as e:
        failed.append(name + ' (raised)')
        print('FAIL ', name, 'raised', type(e).__name__, e)
        traceback.print_exc()


def raises(fn, *types):
    try:
        fn()
    except types as e:
        return e
    except Exception as e:
        print('      (raised %s: %s, wanted %s)' % (type(e).__name__, str(e)[:200], [t.__name__ for t in types]))
        return None
    print('      (no error, wanted %s)' % [t.__name__ for t in types])
    return None


def wait_until(fn, deadline_s, what):
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            if fn():
                return True
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            print('      (deadline of %ss passed waiting for %s)' % (deadline_s, what))
            return False
        time.sleep(0.1)


gen = {'fixed': None, 'last': 0}


def timestamps():
    if gen['fixed'] is not None:
        return gen['fixed']
    gen['last'] = max(gen['last'] + 1, int(time.time() * 1e6))
    return gen['last']


def make_cluster(port, **kw):
    profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy(['127.0.0.1']),
                               retry_policy=FallthroughRetryPolicy(), consistency_level=ConsistencyLevel.LOCAL_QUORUM,
                               request_timeout=10)
    c = Cluster(contact_points=['127.0.0.1'], port=port, protocol_version=4, connect_timeout=5,
                execution_profiles={EXEC_PROFILE_DEFAULT: profile},
                reconnection_policy=ConstantReconnectionPolicy(0.2, None), **kw)
    c.timestamp_generator = timestamps
    return c


cluster = make_cluster(PORT)
s = cluster.connect()
KS = 'iotflow_t_%s' % uuid.uuid4().hex[:6]
ms = lambda n: n                      # noqa: E731 timestamps are ms since the epoch (ints)
T0 = 1714521600000
DEV = 42
B = 19844                             # a bucket number


def dt(v):
    """The driver decodes timestamp as datetime; back to ms."""
    import calendar
    return calendar.timegm(v.utctimetuple()) * 1000 + v.microsecond // 1000


DDL = [
    "CREATE TABLE IF NOT EXISTS {ks}.schema_migrations (version int PRIMARY KEY, description text, applied_at timestamp)",
    "CREATE TABLE IF NOT EXISTS {ks}.points (device_id bigint, bucket bigint, key text, ts timestamp, num double, str text, flag boolean, PRIMARY KEY ((device_id, bucket), key, ts))",
    "CREATE TABLE IF NOT EXISTS {ks}.point_metadata (device_id bigint, bucket bigint, ts timestamp, metadata text, PRIMARY KEY ((device_id, bucket), ts))",
    "CREATE TABLE IF NOT EXISTS {ks}.buckets_by_device (device_id bigint, bucket bigint, PRIMARY KEY (device_id, bucket))",
    "CREATE TABLE IF NOT EXISTS {ks}.keys_by_device (device_id bigint, key text, PRIMARY KEY (device_id, key))",
    "CREATE TABLE IF NOT EXISTS {ks}.latest_by_device (device_id bigint, key text, ts timestamp, num double, str text, flag boolean, PRIMARY KEY (device_id, key))",
    "CREATE TABLE IF NOT EXISTS {ks}.telemetry_counts (scope int, bucket bigint, points counter, PRIMARY KEY (scope, bucket))",
]
Q = {}


def prepare_all():
    p = lambda q: s.prepare(q.format(ks=KS))   # noqa: E731
    Q['mig_ins'] = p("INSERT INTO {ks}.schema_migrations (version, description, applied_at) VALUES (?, ?, ?)")
    Q['mig_sel'] = p("SELECT version FROM {ks}.schema_migrations")
    Q['pt_ins'] = p("INSERT INTO {ks}.points (device_id, bucket, key, ts, num, str, flag) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ?")
    Q['md_ins'] = p("INSERT INTO {ks}.point_metadata (device_id, bucket, ts, metadata) VALUES (?, ?, ?, ?) USING TTL ?")
    Q['bk_ins'] = p("INSERT INTO {ks}.buckets_by_device (device_id, bucket) VALUES (?, ?)")
    Q['key_ins'] = p("INSERT INTO {ks}.keys_by_device (device_id, key) VALUES (?, ?)")
    Q['lt_ins'] = p("INSERT INTO {ks}.latest_by_device (device_id, key, ts, num, str, flag) VALUES (?, ?, ?, ?, ?, ?)")
    Q['ctr_upd'] = p("UPDATE {ks}.telemetry_counts SET points = points + ? WHERE scope = ? AND bucket = ?")
    Q['pt_in2'] = p("SELECT key, ts FROM {ks}.points WHERE device_id = ? AND bucket = ? AND key IN (?, ?) AND ts IN (?, ?, ?)")
    Q['lt_sel'] = p("SELECT key, ts, num, str, flag FROM {ks}.latest_by_device WHERE device_id = ?")
    Q['key_sel'] = p("SELECT key FROM {ks}.keys_by_device WHERE device_id = ?")
    Q['bk_rng'] = p("SELECT bucket FROM {ks}.buckets_by_device WHERE device_id = ? AND bucket >= ? AND bucket <= ?")
    Q['bk_rng_desc'] = p("SELECT bucket FROM {ks}.buckets_by_device WHERE device_id = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket DESC")
    Q['pt_rng_lim'] = p("SELECT ts, num, str, flag FROM {ks}.points WHERE device_id = ? AND bucket = ? AND key = ? AND ts >= ? AND ts < ? LIMIT ?")
    Q['pt_rng_desc'] = p("SELECT ts, num, str, flag FROM {ks}.points WHERE device_id = ? AND bucket = ? AND key = ? AND ts >= ? AND ts < ? ORDER BY key DESC, ts DESC LIMIT ?")
    Q['pt_rng'] = p("SELECT ts, num, str, flag FROM {ks}.points WHERE device_id = ? AND bucket = ? AND key = ? AND ts >= ? AND ts < ?")
    Q['md_in'] = p("SELECT ts, metadata FROM {ks}.point_metadata WHERE device_id = ? AND bucket = ? AND ts IN (?, ?, ?)")
    Q['md_rng'] = p("SELECT ts FROM {ks}.point_metadata WHERE device_id = ? AND bucket = ? AND ts >= ? AND ts < ?")
    Q['ctr_sel'] = p("SELECT bucket, points FROM {ks}.telemetry_counts WHERE scope = ?")
    Q['ctr_sel_from'] = p("SELECT bucket, points FROM {ks}.telemetry_counts WHERE scope = ? AND bucket >= ?")
    Q['pt_del_rng'] = p("DELETE FROM {ks}.points WHERE device_id = ? AND bucket = ? AND key = ? AND ts >= ? AND ts < ?")
    Q['pt_del_one'] = p("DELETE FROM {ks}.points WHERE device_id = ? AND bucket = ? AND key = ? AND ts = ?")
    Q['md_del_one'] = p("DELETE FROM {ks}.point_metadata WHERE device_id = ? AND bucket = ? AND ts = ?")
    Q['pt_del_part'] = p("DELETE FROM {ks}.points WHERE device_id = ? AND bucket = ?")
    Q['md_del_part'] = p("DELETE FROM {ks}.point_metadata WHERE device_id = ? AND bucket = ?")
    Q['bk_del_all'] = p("DELETE FROM {ks}.buckets_by_device WHERE device_id = ?")
    Q['bk_del_one'] = p("DELETE FROM {ks}.buckets_by_device WHERE device_id = ? AND bucket = ?")
    Q['key_del_all'] = p("DELETE FROM {ks}.keys_by_device WHERE device_id = ?")
    Q['lt_del_all'] = p("DELETE FROM {ks}.latest_by_device WHERE device_id = ?")
    Q['lt_del_one'] = p("DELETE FROM {ks}.latest_by_device WHERE device_id = ? AND key = ?")
    Q['ctr_del'] = p("DELETE FROM {ks}.telemetry_counts WHERE scope = ? AND bucket = ?")


def pts(dev, bucket, key, t0, t1):
    return [(dt(r.ts), r.num, r.str, r.flag) for r in s.execute(Q['pt_rng'], (dev, bucket, key, t0, t1))]


# ------------------------------------------------------------------ sections
def t_system():
    r = s.execute("SELECT release_version FROM system.local").one()
    check('system.local release_version', r.release_version.startswith('4.'), r)
    hosts = cluster.metadata.all_hosts()
    check('driver sees one host in datacenter1', len(hosts) == 1 and hosts[0].datacenter == 'datacenter1')


def t_schema():
    q = "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}" % KS
    s.execute(q)
    s.execute(q)
    check('CREATE KEYSPACE IF NOT EXISTS twice', True)
    e = raises(lambda: s.execute(q.replace(' IF NOT EXISTS', '')), Exception)
    check('CREATE KEYSPACE without IF NOT EXISTS on an existing one -> AlreadyExists',
          e is not None and type(e).__name__ == 'AlreadyExists', repr(e))
    nts = KS + '_nts'
    s.execute("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 3} "
              "AND durable_writes = true" % nts)
    s.execute("USE %s" % nts)
    s.execute("CREATE TABLE IF NOT EXISTS keys_by_device (device_id bigint, key text, PRIMARY KEY (device_id, key))")
    s.execute("INSERT INTO keys_by_device (device_id, key) VALUES (1, 'unqualified')")
    check('USE + unqualified names', [r.key for r in s.execute("SELECT key FROM keys_by_device WHERE device_id = 1")]
          == ['unqualified'])
    s.execute("DROP KEYSPACE IF EXISTS %s" % nts)
    s.execute("DROP KEYSPACE IF EXISTS %s" % nts)
    e = raises(lambda: s.execute("SELECT key FROM %s.keys_by_device WHERE device_id = 1" % nts), InvalidRequest)
    check('DROP KEYSPACE removes its tables', e is not None)
    s.execute("USE %s" % KS)
    for d in DDL:
        s.execute(d.format(ks=KS))
        s.execute(d.format(ks=KS))
    check('CREATE TABLE IF NOT EXISTS x7, twice', True)
    prepare_all()
    check('all %d statements prepare' % len(Q), len(Q) == 31)
    b = Q['pt_ins']
    check('prepared INSERT: bind names and types', [c.name for c in b.column_metadata] ==
          ['device_id', 'bucket', 'key', 'ts', 'num', 'str', 'flag', '[ttl]'] and
          b.column_metadata[3].type is T.DateType and b.column_metadata[7].type is T.Int32Type,
          [(c.name, c.type) for c in b.column_metadata])
    check('prepared INSERT: routing key indexes = partition key markers', b.routing_key_indexes == [0, 1],
          b.routing_key_indexes)
    rm = Q['pt_rng_lim'].result_metadata
    check('prepared SELECT: result metadata types (text is sent as varchar, like Cassandra)',
          [(c[2], c[3]) for c in rm] == [('ts', T.DateType), ('num', T.DoubleType), ('str', T.VarcharType),
                                         ('flag', T.BooleanType)], rm)
    check('counter marker typed counter', Q['ctr_upd'].column_metadata[0].type is T.CounterColumnType)


def t_migrations():
    for v in (3, 1, 2):
        s.execute(Q['mig_ins'], (v, 'migration %d' % v, T0 + v))
    got = [r.version for r in s.execute(Q['mig_sel'])]
    check('schema_migrations versions', sorted(got) == [1, 2, 3], got)
    Q['mig_sel'].fetch_size = 1
    rs = s.execute(Q['mig_sel'])
    paged, pages = [r.version for r in rs.current_rows], 1
    while rs.has_more_pages:
        rs.fetch_next_page()
        paged += [r.version for r in rs.current_rows]
        pages += 1
    Q['mig_sel'].fetch_size = 5000
    check('scan over partitions pages one partition at a time, in the same token order', paged == got and pages == 3,
          (paged, got, pages))
    r = s.execute("SELECT * FROM %s.schema_migrations WHERE version = 2" % KS).one()
    check('SELECT * column order (pk, then regular alphabetical)', list(r._fields) ==
          ['version', 'applied_at', 'description'] and dt(r.applied_at) == T0 + 2, r)


def t_points():
    for i in range(30):
        s.execute(Q['pt_ins'], (DEV, B, 'temp', T0 + i * 1000, 20.0 + i, None, None, 0))
    for i in range(5):
        s.execute(Q['pt_ins'], (DEV, B, 'hum', T0 + i * 1000, 50.0 + i, 's%d' % i, i % 2 == 0, 0))
    rows = pts(DEV, B, 'temp', T0, T0 + 100000)
    check('30 points in clustering order, absent columns null', len(rows) == 30 and rows[0] == (T0, 20.0, None, None)
          and [r[0] for r in rows] == sorted(r[0] for r in rows), rows[:2])
    r = list(s.execute(Q['pt_in2'], (DEV, B, 'temp', 'hum', T0 + 2000, T0, T0 + 99000)))
    check('key IN / ts IN: rows in clustering order (key asc, ts asc), missing ts skipped',
          [(x.key, dt(x.ts)) for x in r] == [('hum', T0), ('hum', T0 + 2000), ('temp', T0), ('temp', T0 + 2000)],
          [(x.key, dt(x.ts)) for x in r])
    r = list(s.execute(Q['pt_rng_lim'], (DEV, B, 'temp', T0 + 5000, T0 + 20000, 4)))
    check('range with LIMIT', [dt(x.ts) for x in r] == [T0 + 5000, T0 + 6000, T0 + 7000, T0 + 8000])
    r = list(s.execute(Q['pt_rng_desc'], (DEV, B, 'temp', T0 + 5000, T0 + 20000, 3)))
    check('ORDER BY key DESC, ts DESC LIMIT', [dt(x.ts) for x in r] == [T0 + 19000, T0 + 18000, T0 + 17000],
          [dt(x.ts) for x in r])
    r = list(s.execute(Q['pt_rng'], (DEV, B, 'temp', T0 + 1000, T0 + 1000)))
    check('empty range (ts >= a AND ts < a)', r == [])
    # paging
    Q['pt_rng'].fetch_size = 7
    rs = s.execute(Q['pt_rng'], (DEV, B, 'temp', T0, T0 + 100000))
    pages, states = [len(rs.current_rows)], 0
    while rs.has_more_pages:
        states += 1
        rs.fetch_next_page()
        pages.append(len(rs.current_rows))
    check('paging with fetch_size 7 over 30 rows', pages == [7, 7, 7, 7, 2], pages)
    all_rows = [dt(x.ts) for x in s.execute(Q['pt_rng'], (DEV, B, 'temp', T0, T0 + 100000))]
    check('paged iteration returns every row once, in order', all_rows == [T0 + i * 1000 for i in range(30)])
    Q['pt_rng'].fetch_size = 5000
    st = SimpleStatement("SELECT ts, num, str, flag FROM %s.points WHERE device_id = %d AND bucket = %d AND key = 'temp' "
                         "AND ts >= %d AND ts < %d ORDER BY key DESC, ts DESC LIMIT 11" % (KS, DEV, B, T0, T0 + 100000),
                         fetch_size=4)
    r = [dt(x.ts) for x in s.execute(st)]
    check('QUERY with literals, reversed, LIMIT 11 paged by 4', r == [T0 + i * 1000 for i in range(29, 18, -1)], r)
    # paging while rows are deleted between pages (resume by position, not by index)
    Q['pt_rng'].fetch_size = 10
    rs = s.execute(Q['pt_rng'], (DEV, B, 'temp', T0, T0 + 100000))
    first = [dt(x.ts) for x in rs.current_rows]
    s.execute(Q['pt_del_one'], (DEV, B, 'temp', T0 + 9000))
    s.execute(Q['pt_del_one'], (DEV, B, 'temp', T0 + 10000))
    rs.fetch_next_page()
    second = [dt(x.ts) for x in rs.current_rows]
    check('next page after deletes resumes after the last row seen', first[-1] == T0 + 9000 and
          second[0] == T0 + 11000 and len(second) == 10, (first[-1], second[:2]))
    Q['pt_rng'].fetch_size = 5000
    # upsert: INSERT over an existing row replaces the given cells
    s.execute(Q['pt_ins'], (DEV, B, 'temp', T0, 99.5, 'x', True, 0))
    check('INSERT is an upsert', pts(DEV, B, 'temp', T0, T0 + 1)[0] == (T0, 99.5, 'x', True))
    # last write wins by client timestamp, whatever the arrival order
    now = int(time.time() * 1e6)
    gen['fixed'] = now + 10_000_000
    s.execute(Q['pt_ins'], (DEV, B, 'lww', T0, 2.0, UNSET_VALUE, None, 0))
    gen['fixed'] = now + 5_000_000
    s.execute(Q['pt_ins'], (DEV, B, 'lww', T0, 1.0, 'older', True, 0))
    gen['fixed'] = None
    check('last write wins per cell by client timestamp (older write arrives later; unset cell kept, null cell '
          'is a tombstone)', pts(DEV, B, 'lww', T0, T0 + 1) == [(T0, 2.0, 'older', None)], pts(DEV, B, 'lww', T0, T0 + 1))
    # same timestamp: the greater value wins (Cassandra's tie-break)
    gen['fixed'] = now + 20_000_000
    s.execute(Q['pt_ins'], (DEV, B, 'tie', T0, 1.0, 'b', None, 0))
    s.execute(Q['pt_ins'], (DEV, B, 'tie', T0, 3.0, 'a', None, 0))
    gen['fixed'] = None
    r = pts(DEV, B, 'tie', T0, T0 + 1)
    check('equal timestamps: greater value wins per cell', r == [(T0, 3.0, 'b', None)], r)
    # the peer's own clock when the client sends no timestamp
    s.use_client_timestamp = False
    s.execute(Q['pt_ins'], (DEV, B, 'srv', T0, 1.0, None, None, 0))
    s.execute(Q['pt_ins'], (DEV, B, 'srv', T0, 2.0, None, None, 0))
    s.use_client_timestamp = True
    check('server timestamps: later request wins', pts(DEV, B, 'srv', T0, T0 + 1) == [(T0, 2.0, None, None)])


def t_deletes():
    # range tombstone
    s.execute(Q['pt_del_rng'], (DEV, B, 'temp', T0 + 20000, T0 + 25000))
    r = [x[0] - T0 for x in pts(DEV, B, 'temp', T0 + 18000, T0 + 28000)]
    check('range tombstone removes [20000, 25000)', r == [18000, 19000, 25000, 26000, 27000], r)
    # a write older than the tombstone stays shadowed, a newer one is visible
    gen['fixed'] = int(time.time() * 1e6) - 60_000_000
    s.execute(Q['pt_ins'], (DEV, B, 'temp', T0 + 21000, 1.0, None, None, 0))
    gen['fixed'] = None
    check('older write under a range tombstone stays deleted', pts(DEV, B, 'temp', T0 + 21000, T0 + 21001) == [])
    s.execute(Q['pt_ins'], (DEV, B, 'temp', T0 + 22000, 2.0, None, None, 0))
    check('newer write over a range tombstone is visible', pts(DEV, B, 'temp', T0 + 22000, T0 + 22001) ==
          [(T0 + 22000, 2.0, None, None)])
    s.execute(Q['pt_del_one'], (DEV, B, 'temp', T0 + 26000))
    check('single row delete', [x[0] - T0 for x in pts(DEV, B, 'temp', T0 + 25000, T0 + 28000)] == [25000, 27000])
    s.execute(Q['pt_del_part'], (DEV, B))
    check('partition delete', pts(DEV, B, 'temp', 0, T0 * 2) == [] and pts(DEV, B, 'hum', 0, T0 * 2) == [])
    s.execute(Q['pt_ins'], (DEV, B, 'temp', T0, 7.0, None, None, 0))
    check('write after a partition delete is visible', pts(DEV, B, 'temp', 0, T0 * 2) == [(T0, 7.0, None, None)])


def t_metadata():
    for i in range(5):
        s.execute(Q['md_ins'], (DEV, B, T0 + i, '{"i": %d}' % i, 0))
    r = [(dt(x.ts), x.metadata) for x in s.execute(Q['md_in'], (DEV, B, T0 + 3, T0 + 1, T0 + 99))]
    check('point_metadata ts IN', r == [(T0 + 1, '{"i": 1}'), (T0 + 3, '{"i": 3}')], r)
    r = [dt(x.ts) for x in s.execute(Q['md_rng'], (DEV, B, T0 + 1, T0 + 4))]
    check('point_metadata range', r == [T0 + 1, T0 + 2, T0 + 3], r)
    s.execute(Q['md_del_one'], (DEV, B, T0 + 2))
    r = [dt(x.ts) for x in s.execute(Q['md_rng'], (DEV, B, T0, T0 + 10))]
    check('point_metadata row delete', r == [T0, T0 + 1, T0 + 3, T0 + 4], r)
    s.execute(Q['md_del_part'], (DEV, B))
    check('point_metadata partition delete', list(s.execute(Q['md_rng'], (DEV, B, T0, T0 + 10))) == [])


def t_index_tables():
    for b in (5, 1, 3, 2, 4, 9):
        s.execute(Q['bk_ins'], (DEV, b))
    s.execute(Q['bk_ins'], (DEV, 3))
    r = [x.bucket for x in s.execute(Q['bk_rng'], (DEV, 2, 5))]
    check('buckets range asc', r == [2, 3, 4, 5], r)
    r = [x.bucket for x in s.execute(Q['bk_rng_desc'], (DEV, 2, 9))]
    check('buckets range ORDER BY bucket DESC', r == [9, 5, 4, 3, 2], r)
    s.execute(Q['bk_del_one'], (DEV, 4))
    check('buckets delete one', [x.bucket for x in s.execute(Q['bk_rng'], (DEV, 0, 100))] == [1, 2, 3, 5, 9])
    s.execute(Q['bk_del_all'], (DEV,))
    check('buckets delete all of a device', list(s.execute(Q['bk_rng'], (DEV, 0, 100))) == [])
    for k in ('temp', 'hum', 'Ähre', 'a b'):
        s.execute(Q['key_ins'], (DEV, k))
    r = [x.key for x in s.execute(Q['key_sel'], (DEV,))]
    check('keys_by_device in UTF-8 byte order', r == ['a b', 'hum', 'temp', 'Ähre'], r)
    s.execute(Q['key_del_all'], (DEV,))
    check('keys_by_device delete all', list(s.execute(Q['key_sel'], (DEV,))) == [])
    s.execute(Q['lt_ins'], (DEV, 'temp', T0, 21.5, None, None))
    s.execute(Q['lt_ins'], (DEV, 'state', T0, None, 'on', None))
    s.execute(Q['lt_ins'], (DEV, 'door', T0, None, None, False))
    r = [(x.key, dt(x.ts), x.num, x.str, x.flag) for x in s.execute(Q['lt_sel'], (DEV,))]
    check('latest_by_device rows with nulls', r == [('door', T0, None, None, False), ('state', T0, None, 'on', None),
                                                    ('temp', T0, 21.5, None, None)], r)
    s.execute(Q['lt_ins'], (DEV, 'temp', T0 + 5, 22.5, None, None))
    check('latest upsert', s.execute(Q['lt_sel'], (DEV,)).all()[2].num == 22.5)
    s.execute(Q['lt_del_one'], (DEV, 'state'))
    check('latest delete one key', [x.key for x in s.execute(Q['lt_sel'], (DEV,))] == ['door', 'temp'])
    s.execute(Q['lt_del_all'], (DEV,))
    check('latest delete all', list(s.execute(Q['lt_sel'], (DEV,))) == [])


def t_counters():
    check('missing counter row reads as absent', list(s.execute(Q['ctr_sel'], (1,))) == [])
    for d, b in ((5, 10), (3, 10), (-1, 10), (2, 11), (0, 12)):
        s.execute(Q['ctr_upd'], (d, 1, b))
    r = [(x.bucket, x.points) for x in s.execute(Q['ctr_sel'], (1,))]
    check('counter adds (+0 creates the row)', r == [(10, 7), (11, 2), (12, 0)], r)
    r = [(x.bucket, x.points) for x in s.execute(Q['ctr_sel_from'], (1, 11))]
    check('counter scope with bucket >=', r == [(11, 2), (12, 0)], r)
    b = BatchStatement(batch_type=BatchType.COUNTER)
    for _ in range(3):
        b.add(Q['ctr_upd'], (10, 1, 11))
    s.execute(b)
    check('COUNTER batch', s.execute(Q['ctr_sel_from'], (1, 11)).one().points == 32)
    s.execute(Q['ctr_del'], (1, 12))
    check('counter delete', [x.bucket for x in s.execute(Q['ctr_sel'], (1,))] == [10, 11])
    b = BatchStatement(batch_type=BatchType.LOGGED)
    b.add(Q['ctr_upd'], (1, 1, 10))
    check('counter in a LOGGED batch -> InvalidRequest', raises(lambda: s.execute(b), InvalidRequest) is not None)
    check('INSERT into a counter table -> InvalidRequest', raises(lambda: s.execute(
        "INSERT INTO %s.telemetry_counts (scope, bucket, points) VALUES (1, 1, 1)" % KS), InvalidRequest) is not None)
    check('counter value unchanged by rejected statements', s.execute(Q['ctr_sel'], (1,)).one().points == 7)


def t_ttl():
    s.execute(Q['pt_ins'], (DEV, B + 1, 'ttl', T0, 1.0, None, None, 1))
    s.execute(Q['pt_ins'], (DEV, B + 1, 'ttl', T0 + 1, 2.0, None, None, 0))
    s.execute(Q['md_ins'], (DEV, B + 1, T0, 'short', 1))
    check('TTL row visible before expiry', len(pts(DEV, B + 1, 'ttl', 0, T0 * 2)) == 2)
    gone = wait_until(lambda: len(pts(DEV, B + 1, 'ttl', 0, T0 * 2)) == 1, 10, 'TTL 1 s expiry')
    check('TTL 1 s row expires, TTL 0 row stays', gone and pts(DEV, B + 1, 'ttl', 0, T0 * 2)[0][1] == 2.0)
    check('point_metadata TTL expires', wait_until(lambda: list(s.execute(Q['md_rng'], (DEV, B + 1, 0, T0 * 2))) == [],
                                                   10, 'metadata TTL'))
    e = raises(lambda: s.execute(Q['pt_ins'], (DEV, B, 'x', T0, 1.0, None, None, -1)), InvalidRequest)
    check('negative TTL -> InvalidRequest', e is not None)


def t_batches():
    b = BatchStatement(batch_type=BatchType.LOGGED)
    for i in range(4):
        b.add(Q['pt_ins'], (DEV, B + 2, 'bt', T0 + i, float(i), None, None, 0))
    b.add(Q['md_ins'], (DEV, B + 2, T0, 'meta', 0))
    b.add(Q['bk_ins'], (DEV, B + 2))
    b.add(Q['key_ins'], (DEV, 'bt'))
    b.add(Q['lt_ins'], (DEV, 'bt', T0 + 3, 3.0, None, None))
    s.execute(b)
    check('LOGGED batch of prepared statements over 5 tables',
          len(pts(DEV, B + 2, 'bt', 0, T0 * 2)) == 4 and s.execute(Q['lt_sel'], (DEV,)).one().num == 3.0 and
          [x.bucket for x in s.execute(Q['bk_rng'], (DEV, B + 2, B + 2))] == [B + 2])
    b = BatchStatement(batch_type=BatchType.UNLOGGED)
    b.add(SimpleStatement("INSERT INTO %s.points (device_id, bucket, key, ts, num, str, flag) VALUES (%%s, %%s, %%s, %%s, "
                          "%%s, %%s, %%s) USING TTL %%s" % KS), (DEV, B + 2, 'bq', T0, 1.5, "it's", True, 0))
    b.add("DELETE FROM %s.points WHERE device_id = %d AND bucket = %d AND key = 'bt' AND ts = %d" % (KS, DEV, B + 2, T0))
    s.execute(b)
    check('UNLOGGED batch of query strings (literals)', pts(DEV, B + 2, 'bq', 0, T0 * 2) == [(T0, 1.5, "it's", True)]
          and len(pts(DEV, B + 2, 'bt', 0, T0 * 2)) == 3)
    # atomic: one bad statement rejects the whole batch
    b = BatchStatement(batch_type=BatchType.LOGGED)
    b.add(Q['pt_ins'], (DEV, B + 2, 'atomic', T0, 1.0, None, None, 0))
    b.add(Q['pt_ins'], (DEV, None, 'atomic', T0, 1.0, None, None, 0))
    check('batch with a null key -> InvalidRequest', raises(lambda: s.execute(b), InvalidRequest) is not None)
    check('... and nothing of it applied', pts(DEV, B + 2, 'atomic', 0, T0 * 2) == [])
    # delete + insert of the same row in one batch share the timestamp: the tombstone wins
    b = BatchStatement(batch_type=BatchType.UNLOGGED)
    b.add(Q['pt_ins'], (DEV, B + 2, 'same', T0, 1.0, None, None, 0))
    b.add(Q['pt_del_one'], (DEV, B + 2, 'same', T0))
    s.execute(b)
    check('batch statements share one timestamp (tombstone wins the tie)', pts(DEV, B + 2, 'same', 0, T0 * 2) == [])
    # Cassandra's batch guards: a warning above 5 KiB (more than one partition), InvalidRequest above 50 KiB
    b = BatchStatement(batch_type=BatchType.UNLOGGED)
    for i in range(12):
        b.add(Q['md_ins'], (DEV, B + 100 + i, T0, 'x' * 600, 0))
    f = s.execute_async(b)
    f.result()
    w = f.warnings or []
    check('12-partition 7 KiB unlogged batch: size and unlogged warnings (WARNING flag)', len(w) == 2 and
          'exceeding specified threshold of 5120' in w[0] and 'Unlogged batch covering 12 partitions' in w[1], w)
    b = BatchStatement(batch_type=BatchType.LOGGED)
    for i in range(2):
        b.add(Q['md_ins'], (DEV, B + 200 + i, T0, 'x' * 30000, 0))
    e = raises(lambda: s.execute(b), InvalidRequest)
    check('60 KiB batch over 2 partitions -> InvalidRequest "Batch too large"', e is not None and 'Batch too large' in str(e))
    b = BatchStatement(batch_type=BatchType.LOGGED)
    for i in range(3):
        b.add(Q['md_ins'], (DEV, B + 300, T0 + i, 'x' * 30000, 0))
    f = s.execute_async(b)
    f.result()
    check('90 KiB batch in one partition passes without warnings (Cassandra checks multi-partition batches only)',
          not f.warnings and len(list(s.execute(Q['md_rng'], (DEV, B + 300, 0, T0 * 2)))) == 3)


def t_errors():
    check('syntax error -> SyntaxException (0x2000)',
          raises(lambda: s.execute("SELEC key FROM %s.points" % KS), SyntaxException) is not None)
    check('unknown table -> InvalidRequest', raises(lambda: s.execute("SELECT * FROM %s.nope" % KS), InvalidRequest) is not None)
    check('filtering on a regular column -> InvalidRequest', raises(lambda: s.execute(
        "SELECT * FROM %s.latest_by_device WHERE num = 1" % KS), InvalidRequest) is not None)
    check('clustering restriction without partition key -> InvalidRequest', raises(lambda: s.execute(
        "SELECT * FROM %s.points WHERE key = 'x'" % KS), InvalidRequest) is not None)
    check('LWT -> InvalidRequest', raises(lambda: s.execute(
        "INSERT INTO %s.keys_by_device (device_id, key) VALUES (1, 'a') IF NOT EXISTS" % KS), InvalidRequest) is not None)
    check('type mismatch in a literal -> InvalidRequest', raises(lambda: s.execute(
        "INSERT INTO %s.keys_by_device (device_id, key) VALUES ('x', 'a')" % KS), InvalidRequest) is not None)
    check('USE missing keyspace -> InvalidRequest', raises(lambda: s.execute("USE nope_nope"), InvalidRequest) is not None)


def t_concurrency():
    futs = [s.execute_async(Q['pt_ins'], (DEV, B + 3, 'conc', T0 + i, float(i), None, None, 0)) for i in range(300)]
    for f in futs:
        f.result()
    r = pts(DEV, B + 3, 'conc', 0, T0 * 2)
    check('300 concurrent prepared INSERTs', len(r) == 300 and [x[0] for x in r] == [T0 + i for i in range(300)])
    futs = [s.execute_async(Q['pt_rng_lim'], (DEV, B + 3, 'conc', T0 + i, T0 * 2, 1)) for i in range(100)]
    check('100 concurrent SELECTs answered with the right stream ids',
          all(dt(f.result().one().ts) == T0 + i for i, f in enumerate(futs)))


def t_more_cql():
    s.execute("CREATE TABLE IF NOT EXISTS %s.rev (p bigint, c text, v double, w text, PRIMARY KEY (p, c)) "
              "WITH CLUSTERING ORDER BY (c DESC)" % KS)
    for c in ('a', 'c', 'b'):
        s.execute("INSERT INTO %s.rev (p, c, v) VALUES (1, '%s', 1.0)" % (KS, c))
    check('CLUSTERING ORDER BY (c DESC)', [r.c for r in s.execute("SELECT c FROM %s.rev WHERE p = 1" % KS)] ==
          ['c', 'b', 'a'])
    check('... reversed by ORDER BY c ASC', [r.c for r in s.execute(
        "SELECT c FROM %s.rev WHERE p = 1 ORDER BY c ASC" % KS)] == ['a', 'b', 'c'])
    check('... slice on a DESC column', [r.c for r in s.execute(
        "SELECT c FROM %s.rev WHERE p = 1 AND c > 'a' AND c <= 'c'" % KS)] == ['c', 'b'])
    s.execute("UPDATE %s.rev SET w = 'x' WHERE p = 2 AND c = 'z'" % KS)
    r = s.execute("SELECT * FROM %s.rev WHERE p = 2" % KS).one()
    check('UPDATE creates a row without a marker', r is not None and r.w == 'x' and r.v is None)
    s.execute("UPDATE %s.rev SET w = null WHERE p = 2 AND c = 'z'" % KS)
    check('... which disappears when its last cell is deleted',
          s.execute("SELECT * FROM %s.rev WHERE p = 2" % KS).one() is None)
    s.execute("INSERT INTO %s.rev (p, c, v) VALUES (3, 'a', 1.0) USING TIMESTAMP 1000" % KS)
    s.execute("INSERT INTO %s.rev (p, c, v) VALUES (3, 'a', 2.0) USING TIMESTAMP 999" % KS)
    check('USING TIMESTAMP decides, not arrival', s.execute("SELECT v FROM %s.rev WHERE p = 3" % KS).one().v == 1.0)
    s.execute("DELETE FROM %s.rev USING TIMESTAMP 998 WHERE p = 3" % KS)
    check('... an older delete does not shadow it', s.execute("SELECT v FROM %s.rev WHERE p = 3" % KS).one().v == 1.0)
    s.execute("INSERT INTO %s.points (device_id, bucket, key, ts) VALUES (1, 1, 'iso', '2024-05-01 00:00:00+0000')" % KS)
    r = s.execute("SELECT ts FROM %s.points WHERE device_id = 1 AND bucket = 1 AND key = 'iso'" % KS).one()
    check('timestamp from an ISO 8601 literal', r is not None and dt(r.ts) == T0, r)
    s.execute("TRUNCATE %s.rev" % KS)
    check('TRUNCATE', list(s.execute("SELECT * FROM %s.rev WHERE p = 1" % KS)) == [])
    s.execute("DROP TABLE %s.rev" % KS)
    check('DROP TABLE', raises(lambda: s.execute("SELECT * FROM %s.rev WHERE p = 1" % KS), InvalidRequest) is not None)


# ------------------------------------------------------------------ raw frames (QUERY with values, oracle)
class Raw:
    def __init__(self, port, startup=True):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=5)
        self.stream = 0
        if startup:
            from cassandra.protocol import StartupMessage
            self.call(StartupMessage(cqlversion='3.0.0', options={}))

    def send_raw(self, frame):
        self.sock.sendall(frame)
        return self.read()

    def read(self):
        data = b''
        while len(data) < 9 or len(data) < 9 + struct.unpack('>i', data[5:9])[0]:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('closed by peer')
            data += chunk
        return C.driver_decode(data)

    def call(self, msg):
        self.stream += 1
        return self.send_raw(_ProtocolHandler.encode_message(msg, self.stream, 4, None, False))


def t_raw_values():
    raw = Raw(PORT)
    m = QueryMessage("INSERT INTO %s.points (device_id, bucket, key, ts, num, str, flag) VALUES (?, ?, ?, ?, ?, ?, ?)"
                     " USING TTL ?" % KS, ConsistencyLevel.ONE)
    m.query_params = [T.LongType.serialize(DEV, 4), T.LongType.serialize(B + 4, 4), T.UTF8Type.serialize('raw', 4),
                      T.DateType.serialize(T0, 4), T.DoubleType.serialize(1.25, 4), None, C.UNSET,
                      T.Int32Type.serialize(0, 4)]
    r = raw.call(m)
    check('QUERY with ? markers and values (NULL and UNSET)', r.kind == 1, r)
    bm = BatchMessage(BatchType.UNLOGGED, [(False, "INSERT INTO %s.keys_by_device (device_id, key) VALUES (?, ?)" % KS,
                                           [T.LongType.serialize(DEV + 1, 4), T.UTF8Type.serialize('rawbatch', 4)])],
                      ConsistencyLevel.ONE)
    r = raw.call(bm)
    check('BATCH of a query string with ? markers and values', r.kind == 1, r)
    check('... applied', pts(DEV, B + 4, 'raw', 0, T0 * 2) == [(T0, 1.25, None, None)] and
          [x.key for x in s.execute(Q['key_sel'], (DEV + 1,))] == ['rawbatch'])
    m = QueryMessage("SELECT key FROM %s.keys_by_device WHERE device_id = ?" % KS, ConsistencyLevel.ONE)
    m.query_params = [b'\x00\x01']
    r = raw.call(m)
    check('bigint bound with 2 bytes -> Invalid (0x2200)', getattr(r, 'code', None) == 0x2200, r)
    raw.sock.close()


# ------------------------------------------------------------------ faults, restart, auth, oracle (need --dir)
def write_faults(rules, **extra):
    path = os.path.join(args.dir, 'faults.json')
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(dict(rules=rules, **extra), f)
    os.replace(tmp, path)


def t_faults():
    q = Q['lt_ins']
    s.execute(q, (DEV + 7, 'f', T0, 1.0, None, None))
    write_faults([{'action': 'write_timeout', 'opcodes': ['EXECUTE'], 'count': 1, 'match': 'latest_by_device',
                   'consistency': 'LOCAL_QUORUM', 'received': 1, 'blockfor': 2, 'write_type': 'SIMPLE'}])
    e = raises(lambda: s.execute(q, (DEV + 7, 'f', T0, 2.0, None, None)), WriteTimeout)
    check('WriteTimeout with its fields', e is not None and e.consistency == ConsistencyLevel.LOCAL_QUORUM and
          e.received_responses == 1 and e.required_responses == 2 and e.write_type == 0, e and e.__dict__)
    check('... and the mutation was not applied', s.execute(Q['lt_sel'], (DEV + 7,)).one().num == 1.0)
    s.execute(q, (DEV + 7, 'f', T0, 3.0, None, None))
    check('the next request goes through (count 1)', s.execute(Q['lt_sel'], (DEV + 7,)).one().num == 3.0)
    write_faults([{'action': 'unavailable', 'opcodes': ['BATCH'], 'count': 1, 'consistency': 'QUORUM',
                   'required': 2, 'alive': 1}])
    b = BatchStatement()
    b.add(q, (DEV + 7, 'f', T0, 4.0, None, None))
    e = raises(lambda: s.execute(b), Unavailable)
    check('Unavailable on BATCH with its fields', e is not None and e.consistency == ConsistencyLevel.QUORUM and
          e.required_replicas == 2 and e.alive_replicas == 1, e and e.__dict__)
    check('... not applied', s.execute(Q['lt_sel'], (DEV + 7,)).one().num == 3.0)
    write_faults([{'action': 'overloaded', 'opcodes': ['QUERY'], 'count': 2}])
    for n in range(2):
        e = raises(lambda: s.execute("INSERT INTO %s.keys_by_device (device_id, key) VALUES (%d, 'ov')" % (KS, DEV + 7)),
                   OverloadedErrorMessage)
        check('Overloaded on QUERY #%d' % (n + 1), e is not None)
    check('... not applied', list(s.execute(Q['key_sel'], (DEV + 7,))) == [])
    write_faults([{'action': 'read_timeout', 'opcodes': ['EXECUTE'], 'count': 1, 'match': 'select key, ts, num',
                   'received': 0, 'blockfor': 1, 'data_present': False}])
    e = raises(lambda: s.execute(Q['lt_sel'], (DEV + 7,)), ReadTimeout)
    check('ReadTimeout', e is not None and e.received_responses == 0 and e.required_responses == 1, e)
    write_faults([{'action': 'no_response', 'opcodes': ['EXECUTE'], 'count': 1, 'match': 'latest_by_device'}])
    e = raises(lambda: s.execute(Q['lt_sel'], (DEV + 7,), timeout=1.0), OperationTimedOut)
    check('no_response: the driver times out, the connection stays usable', e is not None and
          s.execute(Q['lt_sel'], (DEV + 7,)).one().num == 3.0)
    write_faults([{'action': 'split_response', 'opcodes': ['EXECUTE'], 'count': 1, 'pause_ms': 300}])
    t = time.monotonic()
    r = s.execute(Q['lt_sel'], (DEV + 7,)).one()
    check('split_response: answer arrives whole after the pause', r.num == 3.0 and time.monotonic() - t >= 0.28)
    write_faults([{'action': 'half_then_close', 'opcodes': ['EXECUTE'], 'count': 1}])
    e = raises(lambda: s.execute(Q['lt_sel'], (DEV + 7,)), Exception)
    check('half_then_close: the request fails', e is not None)
    check('... and the driver reconnects', wait_until(lambda: s.execute(Q['lt_sel'], (DEV + 7,)).one().num == 3.0, 15,
                                                      'reconnect after close'))
    write_faults([], forget_prepared=True)
    s.execute(q, (DEV + 7, 'f', T0, 5.0, None, None))
    check('forget_prepared: driver re-prepares after Unprepared', s.execute(Q['lt_sel'], (DEV + 7,)).one().num == 5.0)
    with open(os.path.join(args.dir, 'faults.log')) as f:
        fired = f.read().count('action=')
    check('faults.log lists every fired fault (8)', fired == 8, fired)


def sh(*a, env=None):
    return subprocess.run(['bash', SCRIPT] + list(a), env=env, capture_output=True, text=True)


def t_restart():
    n = 200
    futs = [s.execute_async(Q['pt_ins'], (DEV, B + 5, 'dur', T0 + i, float(i), None, None, 0)) for i in range(n)]
    for f in futs:
        f.result()
    s.execute(Q['ctr_upd'], (11, 2, 1))
    s.execute(Q['pt_del_rng'], (DEV, B + 5, 'dur', T0 + 10, T0 + 20))
    r = sh('kill', args.dir)
    check('kill -9 the peer', r.returncode == 0, r.stderr)
    r = sh('start', args.dir, str(PORT))
    check('restart on the same DIR and port', r.returncode == 0, r.stderr)

    def back():
        return len(pts(DEV, B + 5, 'dur', 0, T0 * 2)) == n - 10
    check('every acknowledged write survives kill -9 (%d rows, range tombstone kept)' % (n - 10),
          wait_until(back, 20, 'driver reconnect after restart'))
    check('... counters too', s.execute(Q['ctr_sel'], (2,)).one().points == 11)
    check('... schema too', sorted(r.version for r in s.execute(Q['mig_sel'])) == [1, 2, 3])
    s.execute(Q['pt_ins'], (DEV, B + 5, 'dur', T0 + 10, -1.0, None, None, 0))
    check('writes after the restart (driver re-prepared)', len(pts(DEV, B + 5, 'dur', 0, T0 * 2)) == n - 9)
    # kill -9 in the middle of a stream of writes: whatever was acknowledged must be there after the restart
    futs, i = [], 0
    killer = threading.Timer(0.4, lambda: sh('kill', args.dir))
    killer.start()
    stop = time.monotonic() + 0.8
    while time.monotonic() < stop:
        futs.append((i, s.execute_async(Q['pt_ins'], (DEV, B + 6, 'crash', T0 + i, float(i), None, None, 0))))
        i += 1
        if i % 20 == 0:
            time.sleep(0.005)
    killer.join()
    acked = set()
    for k, f in futs:
        try:
            f.result()
            acked.add(k)
        except Exception:
            pass
    r = sh('start', args.dir, str(PORT))
    check('restart after a kill -9 under load', r.returncode == 0, r.stderr)
    got = set()

    def read_back():
        got.clear()
        got.update(x[0] - T0 for x in pts(DEV, B + 6, 'crash', 0, T0 * 2))
        return True
    wait_until(read_back, 20, 'driver reconnect after the second restart')
    print('      (%d writes sent, %d acknowledged before the kill, %d present after the restart)'
          % (len(futs), len(acked), len(got)))
    check('every write acknowledged before kill -9 is present after the restart',
          len(acked) > 0 and acked <= got and len(acked) < len(futs), sorted(acked - got)[:10])


def t_auth_and_oracle():
    d2 = tempfile.mkdtemp(prefix='cql-peer-auth.')
    port2 = PORT + 1
    env = dict(os.environ, CQL_PEER_USERNAME='iot', CQL_PEER_PASSWORD='s3cret')
    r = sh('start', d2, str(port2), env=env)
    check('second peer with credentials starts', r.returncode == 0, r.stderr)
    try:
        c = make_cluster(port2, auth_provider=PlainTextAuthProvider('iot', 's3cret'))
        s2 = c.connect()
        check('PasswordAuthenticator: right credentials', s2.execute("SELECT release_version FROM system.local").one()
              is not None)
        c.shutdown()
        c = make_cluster(port2, auth_provider=PlainTextAuthProvider('iot', 'wrong'))
        e = raises(c.connect, NoHostAvailable)
        check('PasswordAuthenticator: wrong password -> AuthenticationFailed',
              e is not None and any(isinstance(x, AuthenticationFailed) for x in e.errors.values()), e)
        c.shutdown()
        check('no violations from a well-behaved driver', sh('check', d2).returncode == 0)
        raw = Raw(port2, startup=False)
        r = raw.call(QueryMessage("SELECT * FROM system.local", ConsistencyLevel.ONE))
        check('QUERY before STARTUP -> ProtocolError', isinstance(r, ProtocolException), r)
        frame = _ProtocolHandler.encode_message(QueryMessage("SELECT 1", ConsistencyLevel.ONE), 9, 4, None, False)
        bad = frame[:5] + struct.pack('>i', len(frame) - 9 + 3) + frame[9:] + b'\x00\x00\x00'
        r = raw.send_raw(bad)
        check('frame with trailing bytes -> ProtocolError', isinstance(r, ProtocolException), r)
        r = raw.send_raw(C.HEADER.pack(4, 0, 10, 0x33, 0))
        check('unknown opcode 0x33 -> ProtocolError', isinstance(r, ProtocolException), r)
        q = _ProtocolHandler.encode_message(QueryMessage("SELECT 1", ConsistencyLevel.ONE), 11, 4, None, False)
        short = q[:5] + struct.pack('>i', len(q) - 9 - 2) + q[9:-2]
        r = raw.send_raw(short)
        check('frame whose body ends inside a field -> ProtocolError', isinstance(r, ProtocolException), r)
        raw.sock.close()
        raw = Raw(port2, startup=True)
        from cassandra.protocol import AuthResponseMessage
        r = raw.call(AuthResponseMessage(b'\x00iot\x00s3cret'))
        check('raw SASL PLAIN authentication', type(r).__name__ == 'AuthSuccessMessage', r)
        ddl = "CREATE KEYSPACE IF NOT EXISTS reuse WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        f1 = _ProtocolHandler.encode_message(QueryMessage(ddl, ConsistencyLevel.ONE), 77, 4, None, False)
        raw.sock.sendall(f1 + f1)             # the first is a write waiting for its fsync when the second arrives
        got = [raw.read(), raw.read()]
        check('stream id reused while in flight -> ProtocolError',
              sorted(type(x).__name__ for x in got) == ['ProtocolException', 'ResultMessage'], got)
        raw.sock.close()
        with open(os.path.join(d2, 'oracle-violations.log')) as f:
            lines = f.read().splitlines()
        check('the five bad frames are in oracle-violations.log with hex and reason', len(lines) == 5 and
              'trailing bytes' in lines[1] and bad.hex() in lines[1] and 'opcode' in lines[2] and
              'short' in lines[3] and 'reused' in lines[4], lines)
        check('cql-peer.sh check fails on that DIR', sh('check', d2).returncode == 1)
    finally:
        sh('stop', d2)
        subprocess.run(['rm', '-rf', d2])


section('system tables', t_system)
section('schema', t_schema)
if Q:
    section('schema_migrations', t_migrations)
    section('points', t_points)
    section('deletes', t_deletes)
    section('point_metadata', t_metadata)
    section('buckets / keys / latest', t_index_tables)
    section('counters', t_counters)
    section('TTL', t_ttl)
    section('batches', t_batches)
    section('errors', t_errors)
    section('more CQL (clustering order, UPDATE, USING TIMESTAMP, TRUNCATE, DROP TABLE)', t_more_cql)
    section('concurrency', t_concurrency)
    section('raw QUERY/BATCH with values', t_raw_values)
    if args.dir:
        section('faults', t_faults)
        section('kill -9 and restart', t_restart)
        section('authentication and the oracle', t_auth_and_oracle)
s.execute("DROP KEYSPACE IF EXISTS %s" % KS)
cluster.shutdown()
print('SUMMARY: %d passed, %d failed%s' % (len(passed), len(failed), (': ' + ', '.join(failed)) if failed else ''))
sys.exit(1 if failed else 0)
