"""A CQL native protocol v4 peer for tests: a single-node stand-in for Cassandra (not a database).

    python3 cql_peer.py --dir DIR --port PORT [--host 127.0.0.1]
    python3 cql_peer.py --wait-ready PORT [--timeout S] [--pid PID]   (OPTIONS -> SUPPORTED round trip)

Every request frame is decoded strictly with the oracle codec (cqlcodec); a frame that does not decode,
or breaks the protocol's rules, is appended to DIR/oracle-violations.log and answered with a
ProtocolError.  Every acknowledged mutation is in DIR/commitlog.jsonl, fsynced before the answer.
Faults are driven by DIR/faults.json (see README.md).  Credentials: CQL_PEER_USERNAME/CQL_PEER_PASSWORD.
"""
import argparse
import asyncio
import datetime
import hashlib
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cassandra import protocol as P                    # noqa: E402
from cassandra import ConsistencyLevel as CL          # noqa: E402
from cassandra.query import BatchType                 # noqa: E402

import cqlcodec as C                                  # noqa: E402
from cqlcodec import R                                # noqa: E402
from cqlparse import CQLError, CQLInvalid, parse      # noqa: E402
from cqlstore import Store, CQLAlreadyExists          # noqa: E402
from cqlexec import Ctx, Outcome, analyze             # noqa: E402

OPNAMES = {0x01: 'STARTUP', 0x05: 'OPTIONS', 0x07: 'QUERY', 0x09: 'PREPARE', 0x0A: 'EXECUTE', 0x0B: 'REGISTER',
           0x0D: 'BATCH', 0x0F: 'AUTH_RESPONSE'}
MAX_FRAME = 256 * 1024 * 1024
AUTHENTICATOR = 'org.apache.cassandra.auth.PasswordAuthenticator'


def log(*a):
    print(datetime.datetime.now().strftime('%H:%M:%S.%f')[:-3], *a, flush=True)


class ProtocolViolation(Exception):
    pass


# ------------------------------------------------------------------ commit log
class CommitLog:
    """Append-only JSON lines; a group of concurrent appends shares one fsync (commitlog_sync: batch)."""

    def __init__(self, path):
        self.path = path
        self.pending, self.flushing = [], False
        self.fd = None

    def replay(self, store):
        n, good = 0, 0
        if os.path.exists(self.path):
            with open(self.path, 'rb') as f:
                data = f.read()
            pos = 0
            while True:
                nl = data.find(b'\n', pos)
                if nl < 0:
                    break
                try:
                    rec = json.loads(data[pos:nl])
                except ValueError:
                    break
                store.apply(rec['ops'], now=rec['now'])
                n += 1
                pos = good = nl + 1
            if good != len(data):      # a torn tail was never acknowledged: cut it so appends stay line-aligned
                log('commitlog: dropping %d torn bytes at the end' % (len(data) - good))
                with open(self.path, 'r+b') as f:
                    f.truncate(good)
                    os.fsync(f.fileno())
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        dfd = os.open(os.path.dirname(self.path) or '.', os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)
        return n

    def _write(self, data):
        view = memoryview(data)
        while view:
            k = os.write(self.fd, view)
            view = view[k:]
        os.fsync(self.fd)

    async def append(self, rec):
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self.pending.append((json.dumps(rec, separators=(',', ':')).encode() + b'\n', fut))
        if not self.flushing:
            self.flushing = True
            asyncio.ensure_future(self._flush())
        await fut

    async def _flush(self):
        loop = asyncio.get_running_loop()
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                try:
                    await loop.run_in_executor(None, self._write, b''.join(d for d, _ in batch))
                    err = None
                except OSError as e:
                    err = e
                for _, fut in batch:
                    if err is None:
                        fut.set_result(None)
                    else:
                        fut.set_exception(err)
        finally:
            self.flushing = False


# ------------------------------------------------------------------ faults
FAULT_ACTIONS = {'write_timeout', 'unavailable', 'overloaded', 'read_timeout', 'no_response', 'split_response',
                 'half_then_close'}


class Faults:
    def __init__(self, d):
        self.path = os.path.join(d, 'faults.json')
        self.fired_path = os.path.join(d, 'faults.log')
        self.key, self.rules = None, []
        self.on_forget_prepared = None

    def refresh(self):
        try:
            st = os.stat(self.path)
            key = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            key = None
        if key == self.key:
            return
        if key is None:
            self.key, self.rules = None, []
            return
        try:
            with open(self.path) as f:
                data = json.load(f)
            if isinstance(data, list):
                data = {'rules': data}
            rules = []
            for r in data.get('rules', []):
                if r.get('action') not in FAULT_ACTIONS:
                    raise ValueError('unknown action %r' % r.get('action'))
                ops = [o.upper() for o in r.get('opcodes', ['QUERY', 'EXECUTE', 'BATCH'])]
                for o in ops:
                    if o not in OPNAMES.values():
                        raise ValueError('unknown opcode %r' % o)
                rules.append(dict(r, opcodes=ops, left=int(r.get('count', 1)),
                                  match=(r.get('match') or '').lower()))
        except (ValueError, OSError, AttributeError, TypeError) as e:
            log('faults.json not (yet) valid, ignored:', e)
            return                        # key not recorded: re-read on the next request
        self.key, self.rules = key, rules
        log('faults.json loaded: %d rule(s)' % len(rules))
        if data.get('forget_prepared') and self.on_forget_prepared:
            self.on_forget_prepared()

    def take(self, opname, text, stream):
        self.refresh()
        for n, r in enumerate(self.rules):
            if r['left'] != 0 and opname in r['opcodes'] and (not r['match'] or r['match'] in text.lower()):
                if r['left'] > 0:
                    r['left'] -= 1
                line = '%s rule=%d action=%s opcode=%s stream=%d left=%d\n' % (
                    datetime.datetime.now().isoformat(timespec='milliseconds'), n, r['action'], opname, stream, r['left'])
                with open(self.fired_path, 'a') as f:
                    f.write(line)
                log('fault fired:', line.strip())
                return r
        return None


# ------------------------------------------------------------------ the peer
class Peer:
    def __init__(self, d):
        self.dir = d
        self.store = Store()
        self.commitlog = CommitLog(os.path.join(d, 'commitlog.jsonl'))
        self.prepared = {}               # id -> [query, keyspace, plan, schema_key]
        self.faults = Faults(d)
        self.faults.on_forget_prepared = self.prepared.clear
        self.violations_path = os.path.join(d, 'oracle-violations.log')
        self.username = os.environ.get('CQL_PEER_USERNAME')
        self.password = os.environ.get('CQL_PEER_PASSWORD')
        self.schema_gen = 0

    def violation(self, reason, frame, conn):
        with open(self.violations_path, 'a') as f:
            f.write('%s\t%s\t%s\t%s\n' % (datetime.datetime.now().isoformat(timespec='milliseconds'),
                                          conn.addr, reason.replace('\t', ' ').replace('\n', ' '), frame.hex()))
        log('ORACLE VIOLATION from %s: %s' % (conn.addr, reason))

    def plan_for(self, query, ks):
        return analyze(self.store, parse(query), ks)

    def schema_key(self):
        return self.schema_gen

    async def write(self, outcome):
        if outcome.ops:
            now = int(time.time())
            await self.commitlog.append({'now': now, 'ops': outcome.ops})
            self.store.apply(outcome.ops, now=now)
            if any(op[0] in ('mkks', 'dropks', 'mktable', 'droptable') for op in outcome.ops):
                self.schema_gen += 1
        return outcome


class Conn(asyncio.Protocol):
    def __init__(self, peer):
        self.peer = peer
        self.buf = bytearray()
        self.ks = None
        self.state = 'new'               # new -> auth -> ready
        self.wlock = asyncio.Lock()
        self.closed = False
        self.inflight = {}               # stream id -> requests received and not yet answered

    def connection_made(self, tr):
        self.tr = tr
        p = tr.get_extra_info('peername')
        self.addr = '%s:%s' % (p[0], p[1]) if p else '?'

    def connection_lost(self, exc):
        self.closed = True

    def data_received(self, data):
        self.buf += data
        while len(self.buf) >= 9:
            version, flags, stream, opcode, length = C.HEADER.unpack_from(self.buf)
            if length < 0 or length > MAX_FRAME:
                frame = bytes(self.buf[:9])
                self.peer.violation('frame body length %d out of range (0..%d); closing' % (length, MAX_FRAME),
                                    frame, self)
                self.send_now(C.encode_response(R.error(0x000A, 'Invalid frame body length %d' % length), stream))
                self.tr.close()
                self.buf.clear()
                return
            if len(self.buf) < 9 + length:
                break
            frame = bytes(self.buf[:9 + length])
            del self.buf[:9 + length]
            asyncio.ensure_future(self.process(frame, version, flags, stream, opcode, frame[9:]))

    def send_now(self, data):
        if not self.closed:
            self.tr.write(data)

    def answered(self, stream):
        n = self.inflight.get(stream, 0) - 1
        if n > 0:
            self.inflight[stream] = n
        else:
            self.inflight.pop(stream, None)

    async def send(self, data, rule=None):
        async with self.wlock:
            self.answered(struct.unpack_from('>h', data, 2)[0])
            if self.closed:
                return
            if rule is None:
                self.tr.write(data)
            elif rule['action'] == 'split_response':
                cut = int(rule.get('split_at', len(data) // 2))
                cut = max(1, min(cut, len(data) - 1))
                self.tr.write(data[:cut])
                await asyncio.sleep(float(rule.get('pause_ms', 200)) / 1000.0)
                if not self.closed:
                    self.tr.write(data[cut:])
            elif rule['action'] == 'half_then_close':
                self.tr.write(data[:max(1, len(data) // 2)])
                self.tr.close()

    # -- one request
    async def process(self, frame, version, flags, stream, opcode, body):
        peer = self.peer
        try:
            if version & 0x80:
                raise ProtocolViolation('request frame has the response direction bit set (version byte 0x%02x)'
                                        % version)
            if version != 4:
                await self.send(C.encode_response(R.error(
                    0x000A, 'Invalid or unsupported protocol version (%d); supported versions are (4/v4)' % version),
                    stream, version=4))
                log('%s: protocol version %d refused (negotiation)' % (self.addr, version))
                return
            if stream < 0:
                raise ProtocolViolation('negative stream id %d in a request' % stream)
            self.inflight[stream] = self.inflight.get(stream, 0) + 1
            if self.inflight[stream] > 1:
                raise ProtocolViolation('stream id %d reused while the request sent on it is unanswered' % stream)
            if flags & 0x01:
                raise ProtocolViolation('compression flag set but no compression was negotiated')
            if flags & ~0x07:
                raise ProtocolViolation('request header flags 0x%02x: warning/beta/unknown bits are not valid in a '
                                        'v4 request' % flags)
            try:
                msg = C.decode_request(version, flags, opcode, body)
            except Exception as e:
                raise ProtocolViolation('does not decode: %s: %s' % (type(e).__name__, e))
            self.check_message(msg, opcode)
        except ProtocolViolation as v:
            peer.violation(str(v), frame, self)
            await self.send(C.encode_response(R.error(0x000A, 'peer: %s' % v), max(stream, 0)))
            return
        except Exception as e:               # a peer bug: answer visibly, keep serving
            log('internal error before handling: %r' % e)
            await self.send(C.encode_response(R.error(0x0000, 'peer internal error: %r' % e), max(stream, 0)))
            return
        opname = OPNAMES[opcode]
        rule = None
        if self.state == 'ready' or opcode in (0x01, 0x05):
            rule = peer.faults.take(opname, self.text_of(msg), stream)
        if rule is not None and rule['action'] == 'no_response':
            self.answered(stream)         # never answered: the client may take the id back after its timeout
            return
        if rule is not None and rule['action'] not in ('split_response', 'half_then_close'):
            ob = self.fault_error(rule, msg)
            rule = None
        else:
            try:
                ob = await self.handle(msg)
            except CQLAlreadyExists as e:
                ob = R.error(0x2400, str(e), keyspace=e.keyspace, table=e.table)
            except CQLError as e:
                ob = R.error(e.code, str(e))
            except ProtocolViolation as v:
                peer.violation(str(v), frame, self)
                ob = R.error(0x000A, 'peer: %s' % v)
            except Exception as e:           # a peer bug: answer visibly, keep serving
                log('internal error on %s: %r' % (opname, e))
                import traceback
                traceback.print_exc()
                ob = R.error(0x0000, 'peer internal error: %r' % e)
        warnings = None
        if isinstance(ob, Warned):
            ob, warnings = ob.response, ob.warnings
        await self.send(C.encode_response(ob, stream, warnings=warnings), rule)

    def check_message(self, msg, opcode):
        """Protocol rules beyond decoding: handshake order and the enumerations' ranges."""
        if self.state == 'new' and opcode not in (0x01, 0x05):
            raise ProtocolViolation('Unexpected message %s, expecting STARTUP or OPTIONS' % OPNAMES[opcode])
        if self.state == 'auth' and opcode not in (0x0F, 0x05):
            raise ProtocolViolation('Unexpected message %s, expecting AUTH_RESPONSE' % OPNAMES[opcode])
        if self.state == 'ready' and opcode in (0x01, 0x0F):
            raise ProtocolViolation('Unexpected message %s, the connection is already initialized' % OPNAMES[opcode])
        if opcode == 0x01 and not msg.cqlversion:
            raise ProtocolViolation('STARTUP without CQL_VERSION')
        if opcode in (0x07, 0x0A, 0x0D):
            if msg.consistency_level not in CL.value_to_name:
                raise ProtocolViolation('unknown consistency 0x%04x' % msg.consistency_level)
            scl = msg.serial_consistency_level
            if scl is not None and scl not in (CL.SERIAL, CL.LOCAL_SERIAL):
                raise ProtocolViolation('serial consistency must be SERIAL or LOCAL_SERIAL, got %s' %
                                        CL.value_to_name.get(scl, scl))
            if opcode == 0x0D and msg.flags & ~0x70:
                raise ProtocolViolation('BATCH flags 0x%02x: bits outside 0x70 set' % msg.flags)
            if opcode == 0x0D and msg.flags & 0x40:
                raise ProtocolViolation('BATCH with the names-for-values flag (0x40) cannot be sent in v4')
        if opcode == 0x0B:
            bad = [e for e in msg.event_list if e not in ('TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE')]
            if bad:
                raise ProtocolViolation('REGISTER with unknown event types %s' % bad)

    def text_of(self, msg):
        if isinstance(msg, (P.QueryMessage, P.PrepareMessage)):
            return msg.query
        if isinstance(msg, P.ExecuteMessage):
            e = self.peer.prepared.get(msg.query_id)
            return e[0] if e else ''
        if isinstance(msg, P.BatchMessage):
            out = []
            for prepared, sid, _ in msg.queries:
                e = self.peer.prepared.get(sid) if prepared else None
                out.append(e[0] if e else (sid if not prepared else ''))
            return '\n'.join(out)
        return ''

    def fault_error(self, rule, msg):
        a = rule['action']
        cl = getattr(msg, 'consistency_level', None)
        cl = CL.name_to_value[rule['consistency'].upper()] if 'consistency' in rule else (cl if cl is not None else 1)
        text = rule.get('message')
        if a == 'write_timeout':
            wt = rule.get('write_type')
            if wt is None:
                wt = 'SIMPLE'
                if isinstance(msg, P.BatchMessage):
                    wt = {BatchType.LOGGED: 'BATCH', BatchType.UNLOGGED: 'UNLOGGED_BATCH',
                          BatchType.COUNTER: 'COUNTER'}[msg.batch_type]
            return R.error(0x1100, text or 'Operation timed out - received only %d responses.' % rule.get('received', 0),
                           cl=cl, received=int(rule.get('received', 0)), blockfor=int(rule.get('blockfor', 1)),
                           write_type=wt)
        if a == 'read_timeout':
            return R.error(0x1200, text or 'Operation timed out - received only %d responses.' % rule.get('received', 0),
                           cl=cl, received=int(rule.get('received', 0)), blockfor=int(rule.get('blockfor', 1)),
                           data_present=bool(rule.get('data_present', False)))
        if a == 'unavailable':
            return R.error(0x1000, text or 'Cannot achieve consistency level %s' % CL.value_to_name[cl], cl=cl,
                           required=int(rule.get('required', 1)), alive=int(rule.get('alive', 0)))
        return R.error(0x1001, text or 'Server is overloaded (peer fault injection)')

    # -- semantics
    async def handle(self, msg):
        peer = self.peer
        if isinstance(msg, P.OptionsMessage):
            return R.supported({'CQL_VERSION': ['3.4.5'], 'COMPRESSION': [], 'PROTOCOL_VERSIONS': ['4/v4']})
        if isinstance(msg, P.StartupMessage):
            comp = msg.options.get('COMPRESSION')
            if comp:
                return R.error(0x000A, 'Unknown compression algorithm: %s' % comp)
            if peer.username is not None:
                self.state = 'auth'
                return R.authenticate(AUTHENTICATOR)
            self.state = 'ready'
            return R.ready()
        if isinstance(msg, P.AuthResponseMessage):
            parts = (msg.response or b'').split(b'\x00')
            if len(parts) == 3:
                parts = parts[1:]
            if len(parts) == 2 and parts[0].decode('utf-8', 'replace') == peer.username and \
                    parts[1].decode('utf-8', 'replace') == (peer.password or ''):
                self.state = 'ready'
                return R.auth_success(None)
            user = parts[0].decode('utf-8', 'replace') if parts else ''
            return R.error(0x0100, 'Provided username %s and/or password are incorrect' % user)
        if isinstance(msg, P.RegisterMessage):
            return R.ready()
        if isinstance(msg, P.PrepareMessage):
            plan = peer.plan_for(msg.query, self.ks)
            qid = hashlib.md5(((self.ks or '') + '\x00' + msg.query).encode()).digest()
            peer.prepared[qid] = [msg.query, self.ks, plan, peer.schema_key()]
            return R.prepared(qid, plan.ks or (self.ks or ''), plan.table or '', list(plan.specs),
                              list(plan.pk_indexes), list(plan.result_columns))
        if isinstance(msg, (P.QueryMessage, P.ExecuteMessage)):
            if msg.value_names is not None:
                raise CQLInvalid('peer: named values (the 0x40 flag) are not supported; bind by position')
            if isinstance(msg, P.QueryMessage):
                plan = peer.plan_for(msg.query, self.ks)
            else:
                plan = self.prepared_plan(msg.query_id)
                if isinstance(plan, tuple):
                    return plan
            values = msg.query_params or []
            if len(values) != len(plan.specs):
                raise CQLInvalid('There were %d markers(?) in CQL but %d bound variables'
                                 % (len(plan.specs), len(values)))
            ctx = Ctx(values, msg.timestamp, int(time.time()), msg.fetch_size, msg.paging_state, msg.skip_meta)
            out = await peer.write(plan.execute(peer.store, ctx))
            if out.keyspace is not None:
                self.ks = out.keyspace
            return out.response
        if isinstance(msg, P.BatchMessage):
            return await self.batch(msg)
        raise ProtocolViolation('unexpected request %s' % msg.name)

    def prepared_plan(self, qid):
        peer = self.peer
        e = peer.prepared.get(qid)
        if e is None:
            return R.error(0x2500, 'Prepared query with ID %s not found (either the query was not prepared on this '
                                   'host (maybe the host has been restarted?) or you have prepared too many queries '
                                   'and it has been evicted from the internal cache)' % qid.hex(), id=qid)
        if e[3] != peer.schema_key():
            e[2], e[3] = peer.plan_for(e[0], e[1]), peer.schema_key()
        return e[2]

    async def batch(self, msg):
        peer = self.peer
        now = int(time.time())
        ts = msg.timestamp if msg.timestamp is not None else peer.store.now_micros()
        plans = []
        for prepared, sid, values in msg.queries:
            if prepared:
                plan = self.prepared_plan(sid)
                if isinstance(plan, tuple):
                    return plan
            else:
                plan = peer.plan_for(sid, self.ks)
            if plan.kind != 'write':
                raise CQLInvalid('Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.')
            if len(values) != len(plan.specs):
                raise CQLInvalid('There were %d markers(?) in CQL but %d bound variables'
                                 % (len(plan.specs), len(values)))
            plans.append((plan, values))
        counters = any(p.counter and p.__class__.__name__ == 'UpdatePlan' for p, _ in plans)
        others = any(not (p.counter and p.__class__.__name__ == 'UpdatePlan') for p, _ in plans)
        if msg.batch_type == BatchType.LOGGED and counters:
            raise CQLInvalid('Cannot include a counter statement in a logged batch')
        if counters and others:
            raise CQLInvalid('Counter and non-counter mutations cannot exist in the same batch')
        if msg.batch_type == BatchType.COUNTER and others:
            raise CQLInvalid('Only counter mutations are allowed in COUNTER batches')
        ops = []
        for plan, values in plans:
            ops += plan.execute(peer.store, Ctx(values, ts, now, batch=True)).ops
        warnings = batch_warnings(ops, msg.batch_type)       # raises "Batch too large" like Cassandra
        await peer.write(Outcome(None, ops=ops))
        return Warned(R.void(), warnings) if warnings else R.void()


class Warned:
    """A response sent with the WARNING header flag."""

    def __init__(self, response, warnings):
        self.response, self.warnings = response, warnings


BATCH_WARN, BATCH_FAIL, UNLOGGED_PARTITIONS_WARN = 5 * 1024, 50 * 1024, 10


def batch_warnings(ops, batch_type):
    """Cassandra's batch size guard (batch_size_warn/fail_threshold: 5 KiB / 50 KiB, only for batches spanning
    more than one partition) and its unlogged-batch warning (more than 10 partitions).  The size is an
    approximation of Cassandra's dataSize: keys, clustering values, cell values, 8 bytes per timestamp and
    per expiry."""
    parts, size, tables = set(), 0, []
    for op in ops:
        ks, table, pk = op[1], op[2], tuple(op[3])
        parts.add((ks, pk))
        name = '%s.%s' % (ks, table)
        if name not in tables:
            tables.append(name)
        size += sum(len(x) // 2 for x in op[3])
        if op[0] == 'row':
            size += sum(len(x) // 2 for x in op[4]) + (8 if op[5] else 0)
            for ts_, v, exp in op[6].values():
                size += 8 + (len(v) // 2 if v else 0) + (8 if exp else 0)
        elif op[0] == 'ctr':
            size += sum(len(x) // 2 for x in op[4]) + 16
        elif op[0] == 'del':
            size += sum(len(x) // 2 for x in op[4]) + 8 + sum(len(b[0]) // 2 for b in (op[5], op[6]) if b)
    out = []
    if len(parts) > 1 and size > BATCH_WARN:
        if size > BATCH_FAIL:
            raise CQLInvalid('Batch too large')
        out.append('Batch for [%s] is of size %d, exceeding specified threshold of %d by %d.'
                   % (', '.join(tables), size, BATCH_WARN, size - BATCH_WARN))
    if batch_type == BatchType.UNLOGGED and len(parts) > UNLOGGED_PARTITIONS_WARN:
        out.append('Unlogged batch covering %d partitions detected against table%s [%s]. You should use a logged '
                   'batch for atomicity, or asynchronous writes for performance.'
                   % (len(parts), 's' if len(tables) > 1 else '', ', '.join(tables)))
    return out


# ------------------------------------------------------------------ entry points
async def serve(d, host, port):
    os.makedirs(d, exist_ok=True)
    peer = Peer(d)
    n = peer.commitlog.replay(peer.store)
    peer.schema_gen = 1
    log('replayed %d commit log record(s) from %s; keyspaces: %s' % (n, d, sorted(peer.store.keyspaces)))
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: Conn(peer), host, port, reuse_address=True)
    with open(os.path.join(d, 'listening.tmp'), 'w') as f:     # tells --wait-ready that this process owns the port
        f.write('%d %d\n' % (os.getpid(), port))
    os.replace(os.path.join(d, 'listening.tmp'), os.path.join(d, 'listening'))
    log('cql peer listening on %s:%d (dir %s, auth %s)' % (host, port, d, 'on' if peer.username else 'off'))
    async with srv:
        await srv.serve_forever()


def wait_ready(port, timeout, pid, host='127.0.0.1', d=None):
    deadline = time.monotonic() + timeout
    options = C.HEADER.pack(4, 0, 0, 0x05, 0)
    last = None
    while time.monotonic() < deadline:
        if pid:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                print('cql peer (pid %d) exited before answering' % pid, file=sys.stderr)
                return 1
        if d and pid:                  # the port must be this process's, not another server's
            try:
                with open(os.path.join(d, 'listening')) as f:
                    owner = f.read().split()
            except FileNotFoundError:
                owner = []
            if owner != [str(pid), str(port)]:
                last = 'not listening yet'
                time.sleep(0.05)
                continue
        try:
            with socket.create_connection((host, port), timeout=1) as s:
                s.sendall(options)
                data = b''
                while len(data) < 9 or len(data) < 9 + struct.unpack('>i', data[5:9])[0]:
                    chunk = s.recv(4096)
                    if not chunk:
                        raise ConnectionError('closed')
                    data += chunk
                if data[0] == 0x84 and data[4] == 0x06:
                    return 0
                last = 'unexpected answer %s' % data[:9].hex()
        except OSError as e:
            last = e
        time.sleep(0.05)
    print('cql peer did not answer OPTIONS on port %d within %ss (%s)' % (port, timeout, last), file=sys.stderr)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir')
    ap.add_argument('--port', type=int)
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--wait-ready', type=int, metavar='PORT')
    ap.add_argument('--timeout', type=float, default=30)
    ap.add_argument('--pid', type=int)
    a = ap.parse_args()
    if a.wait_ready:
        sys.exit(wait_ready(a.wait_ready, a.timeout, a.pid, a.host, a.dir))
    if not a.dir or not a.port:
        ap.error('--dir and --port are required')
    try:
        asyncio.run(serve(os.path.abspath(a.dir), a.host, a.port))
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
