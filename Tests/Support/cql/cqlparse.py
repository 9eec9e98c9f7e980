"""Tokenizer and recursive-descent parser for the CQL subset the peer accepts.

Anything outside the subset raises CQLSyntaxError (answered as 0x2000) or, where the text is valid CQL
the peer deliberately does not implement, CQLInvalid (0x2200).  Statements come back as plain objects;
bound markers are numbered in textual order, as Cassandra numbers them.
"""
import re


class CQLError(Exception):
    code = 0x2200


class CQLSyntaxError(CQLError):
    code = 0x2000


class CQLInvalid(CQLError):
    code = 0x2200


_TOKEN = re.compile(r"""
    (?P<ws>\s+|--[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qid>"(?:[^"]|"")+")
  | (?P<float>\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)
  | (?P<int>\d+)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|[=<>(),;.?{}:*+\-\[\]])
""", re.X | re.S)


class Tok:
    __slots__ = ('kind', 'text', 'value', 'pos')

    def __init__(self, kind, text, value, pos):
        self.kind, self.text, self.value, self.pos = kind, text, value, pos

    def __repr__(self):
        return self.text


def tokenize(q):
    toks, pos = [], 0
    while pos < len(q):
        m = _TOKEN.match(q, pos)
        if not m:
            raise CQLSyntaxError("line 1:%d token recognition error at: '%s'" % (pos, q[pos]))
        kind = m.lastgroup
        text = m.group()
        if kind == 'str':
            toks.append(Tok('str', text, text[1:-1].replace("''", "'"), pos))
        elif kind == 'qid':
            toks.append(Tok('id', text, text[1:-1].replace('""', '"'), pos))
            toks[-1].kind = 'qid'
        elif kind == 'id':
            toks.append(Tok('id', text, text.lower(), pos))
        elif kind == 'int':
            toks.append(Tok('int', text, int(text), pos))
        elif kind == 'float':
            toks.append(Tok('float', text, float(text), pos))
        elif kind == 'op':
            toks.append(Tok('op', text, text, pos))
        pos = m.end()
    toks.append(Tok('eof', '<EOF>', None, len(q)))
    return toks


# ------------------------------------------------------------------ AST
class Marker:
    def __init__(self, index):
        self.index = index

    def __repr__(self):
        return '?'


class Literal:
    def __init__(self, kind, value):
        self.kind, self.value = kind, value     # kind: int, float, str, bool, null

    def __repr__(self):
        return repr(self.value)


class Rel:
    def __init__(self, col, op, terms):
        self.col, self.op, self.terms = col, op, terms   # op: = < <= > >= IN; terms: list


class Stmt:
    kind = None

    def __init__(self, **kw):
        self.__dict__.update(kw)


# 'key', 'ttl', 'timestamp' are unreserved in Cassandra and valid column names ('key' is used by the store)
RESERVED = {'select', 'from', 'where', 'and', 'insert', 'into', 'values', 'update', 'set', 'delete', 'using',
            'order', 'by', 'limit', 'in', 'create', 'keyspace', 'table', 'if', 'with', 'primary', 'drop', 'use',
            'batch', 'begin', 'apply', 'asc', 'desc', 'allow', 'null', 'of', 'not'}


class Parser:
    def __init__(self, q):
        self.q = q
        self.toks = tokenize(q)
        self.i = 0
        self.markers = 0

    # -- helpers
    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def fail(self, expecting):
        t = self.peek()
        raise CQLSyntaxError("line 1:%d mismatched input '%s' expecting %s (%s)" % (t.pos, t.text, expecting,
                                                                                   self.q[:120]))

    def is_kw(self, kw, k=0):
        t = self.peek(k)
        return t.kind == 'id' and t.value == kw

    def accept_kw(self, *kws):
        if all(self.is_kw(kw, n) for n, kw in enumerate(kws)):
            self.i += len(kws)
            return True
        return False

    def expect_kw(self, *kws):
        if not self.accept_kw(*kws):
            self.fail(' '.join(k.upper() for k in kws))

    def accept_op(self, op):
        t = self.peek()
        if t.kind == 'op' and t.value == op:
            self.i += 1
            return True
        return False

    def expect_op(self, op):
        if not self.accept_op(op):
            self.fail("'%s'" % op)

    def ident(self, what='identifier'):
        t = self.peek()
        if t.kind == 'qid' or (t.kind == 'id' and t.value not in RESERVED):
            self.i += 1
            return t.value
        self.fail(what)

    def qualified(self):
        a = self.ident('table name')
        if self.accept_op('.'):
            return a, self.ident('table name')
        return None, a

    def end(self):
        self.accept_op(';')
        if self.peek().kind != 'eof':
            self.fail('<EOF>')

    def term(self):
        t = self.peek()
        if t.kind == 'op' and t.value == '?':
            self.i += 1
            m = Marker(self.markers)
            self.markers += 1
            return m
        if t.kind == 'op' and t.value == ':':
            raise CQLInvalid('peer: named bind markers (:name) are not supported')
        if t.kind == 'op' and t.value == '-' and self.peek(1).kind in ('int', 'float'):
            self.i += 2
            n = self.peek(-1)
            return Literal(n.kind, -n.value)
        if t.kind in ('int', 'float'):
            self.i += 1
            return Literal(t.kind, t.value)
        if t.kind == 'str':
            self.i += 1
            return Literal('str', t.value)
        if t.kind == 'id' and t.value in ('true', 'false'):
            self.i += 1
            return Literal('bool', t.value == 'true')
        if t.kind == 'id' and t.value == 'null':
            self.i += 1
            return Literal('null', None)
        self.fail('a term (literal or ?)')

    def map_literal(self):
        self.expect_op('{')
        out = {}
        if not self.accept_op('}'):
            while True:
                k = self.term()
                self.expect_op(':')
                v = self.term()
                if not isinstance(k, Literal) or not isinstance(v, Literal):
                    raise CQLInvalid('peer: bind markers are not supported in options maps')
                out[str(k.value)] = v.value
                if self.accept_op('}'):
                    break
                self.expect_op(',')
        return out

    # -- statements
    def statement(self):
        if self.accept_kw('select'):
            st = self.select()
        elif self.accept_kw('insert'):
            st = self.insert()
        elif self.accept_kw('update'):
            st = self.update()
        elif self.accept_kw('delete'):
            st = self.delete()
        elif self.accept_kw('use'):
            st = Stmt(kind='use', keyspace=self.ident('keyspace name'))
        elif self.accept_kw('create'):
            if self.accept_kw('keyspace'):
                st = self.create_keyspace()
            elif self.accept_kw('table') or self.accept_kw('columnfamily'):
                st = self.create_table()
            else:
                if self.peek().kind == 'id' and self.peek().value in ('index', 'type', 'function', 'aggregate',
                                                                       'materialized', 'role', 'user', 'trigger',
                                                                       'custom'):
                    raise CQLInvalid('peer: CREATE %s is not supported' % self.peek().text.upper())
                self.fail('KEYSPACE or TABLE')
        elif self.accept_kw('drop'):
            if self.accept_kw('keyspace'):
                ie = self.accept_kw('if', 'exists')
                st = Stmt(kind='drop_keyspace', if_exists=ie, keyspace=self.ident('keyspace name'))
            elif self.accept_kw('table') or self.accept_kw('columnfamily'):
                ie = self.accept_kw('if', 'exists')
                ks, name = self.qualified()
                st = Stmt(kind='drop_table', if_exists=ie, keyspace=ks, table=name)
            else:
                self.fail('KEYSPACE or TABLE')
        elif self.accept_kw('truncate'):
            self.accept_kw('table')
            ks, name = self.qualified()
            st = Stmt(kind='truncate', keyspace=ks, table=name)
        elif self.is_kw('begin'):
            raise CQLInvalid('peer: BEGIN BATCH in query text is not supported; use the protocol BATCH message')
        elif self.peek().kind == 'id' and self.peek().value in ('alter', 'grant', 'revoke', 'list'):
            raise CQLInvalid('peer: %s statements are not supported' % self.peek().text.upper())
        else:
            self.fail('a statement')
        self.end()
        st.markers = self.markers
        return st

    def create_keyspace(self):
        ine = self.accept_kw('if', 'not', 'exists')
        name = self.ident('keyspace name')
        self.expect_kw('with')
        props = {}
        while True:
            p = self.ident('property name')
            self.expect_op('=')
            if self.peek().kind == 'op' and self.peek().value == '{':
                props[p] = self.map_literal()
            else:
                v = self.term()
                if not isinstance(v, Literal):
                    raise CQLInvalid('peer: bind markers are not supported in DDL')
                props[p] = v.value
            if not self.accept_kw('and'):
                break
        return Stmt(kind='create_keyspace', if_not_exists=ine, keyspace=name, props=props)

    def create_table(self):
        ine = self.accept_kw('if', 'not', 'exists')
        ks, name = self.qualified()
        self.expect_op('(')
        cols, pk_parts, clustering = [], None, []
        while True:
            if self.accept_kw('primary'):
                self.expect_kw('key')
                if pk_parts is not None:
                    raise CQLInvalid('Multiple PRIMARY KEYs specified (exactly one required)')
                self.expect_op('(')
                if self.accept_op('('):
                    pk_parts = [self.ident('column name')]
                    while self.accept_op(','):
                        pk_parts.append(self.ident('column name'))
                    self.expect_op(')')
                else:
                    pk_parts = [self.ident('column name')]
                while self.accept_op(','):
                    clustering.append(self.ident('column name'))
                self.expect_op(')')
            else:
                cname = self.ident('column name')
                ctype = self.ident('type')
                if self.peek().kind == 'op' and self.peek().value == '<':
                    raise CQLInvalid('peer: collection and parameterized types are not supported')
                static = self.accept_kw('static')
                if static:
                    raise CQLInvalid('peer: static columns are not supported')
                cols.append((cname, ctype))
                if self.accept_kw('primary'):
                    self.expect_kw('key')
                    if pk_parts is not None:
                        raise CQLInvalid('Multiple PRIMARY KEYs specified (exactly one required)')
                    pk_parts = [cname]
            if self.accept_op(')'):
                break
            self.expect_op(',')
        order = {}
        if self.accept_kw('with'):
            while True:
                if self.accept_kw('clustering'):
                    self.expect_kw('order', 'by')
                    self.expect_op('(')
                    while True:
                        c = self.ident('column name')
                        if self.accept_kw('desc'):
                            order[c] = 'desc'
                        else:
                            self.accept_kw('asc')
                            order[c] = 'asc'
                        if self.accept_op(')'):
                            break
                        self.expect_op(',')
                elif self.accept_kw('compact'):
                    raise CQLInvalid('peer: COMPACT STORAGE is not supported')
                else:
                    p = self.ident('table property')
                    raise CQLInvalid('peer: table property %s is not supported' % p)
                if not self.accept_kw('and'):
                    break
        if pk_parts is None:
            raise CQLInvalid('No PRIMARY KEY specifed for table \'%s\' (exactly one required)' % name)
        return Stmt(kind='create_table', if_not_exists=ine, keyspace=ks, table=name, columns=cols,
                    partition_key=pk_parts, clustering=clustering, order=order)

    def using(self, allow_ttl=True):
        ttl = ts = None
        if self.accept_kw('using'):
            while True:
                if self.accept_kw('ttl'):
                    if not allow_ttl:
                        self.fail('TIMESTAMP')
                    ttl = self.term()
                elif self.accept_kw('timestamp'):
                    ts = self.term()
                else:
                    self.fail('TTL or TIMESTAMP')
                if not self.accept_kw('and'):
                    break
        return ttl, ts

    def insert(self):
        self.expect_kw('into')
        ks, name = self.qualified()
        if self.is_kw('json'):
            raise CQLInvalid('peer: INSERT JSON is not supported')
        self.expect_op('(')
        cols = [self.ident('column name')]
        while self.accept_op(','):
            cols.append(self.ident('column name'))
        self.expect_op(')')
        self.expect_kw('values')
        self.expect_op('(')
        vals = [self.term()]
        while self.accept_op(','):
            vals.append(self.term())
        self.expect_op(')')
        if self.is_kw('if'):
            raise CQLInvalid('peer: lightweight transactions (IF NOT EXISTS) are not supported')
        ttl, ts = self.using()
        if self.is_kw('if'):
            raise CQLInvalid('peer: lightweight transactions (IF NOT EXISTS) are not supported')
        if len(cols) != len(vals):
            raise CQLInvalid('Unmatched column names/values')
        if len(set(cols)) != len(cols):
            raise CQLInvalid('Multiple definitions found for a column')
        return Stmt(kind='insert', keyspace=ks, table=name, columns=cols, values=vals, ttl=ttl, timestamp=ts)

    def where(self):
        rels = []
        if not self.accept_kw('where'):
            return rels
        while True:
            if self.peek().kind == 'op' and self.peek().value == '(':
                raise CQLInvalid('peer: multi-column (tuple) relations are not supported')
            if self.is_kw('token') and self.peek(1).text == '(':
                raise CQLInvalid('peer: token() relations are not supported')
            col = self.ident('column name')
            t = self.peek()
            if self.accept_kw('in'):
                if self.peek().kind == 'op' and self.peek().value == '?':
                    raise CQLInvalid('peer: IN ? (a single marker for the whole list) is not supported; '
                                     'use IN (?, ?, ...)')
                self.expect_op('(')
                terms = []
                if not self.accept_op(')'):
                    terms.append(self.term())
                    while self.accept_op(','):
                        terms.append(self.term())
                    self.expect_op(')')
                rels.append(Rel(col, 'IN', terms))
            elif t.kind == 'op' and t.value in ('=', '<', '<=', '>', '>='):
                self.i += 1
                rels.append(Rel(col, t.value, [self.term()]))
            elif t.kind == 'op' and t.value == '!=':
                raise CQLInvalid('Unsupported "!=" relation: %s != ...' % col)
            elif t.kind == 'id' and t.value in ('contains', 'like'):
                raise CQLInvalid('peer: %s relations are not supported' % t.text.upper())
            else:
                self.fail("a relation operator (=, <, <=, >, >=, IN)")
            if not self.accept_kw('and'):
                break
        return rels

    def update(self):
        ks, name = self.qualified()
        ttl, ts = self.using()
        self.expect_kw('set')
        assigns = []
        while True:
            col = self.ident('column name')
            if self.peek().kind == 'op' and self.peek().value == '[':
                raise CQLInvalid('peer: collection element updates are not supported')
            self.expect_op('=')
            t = self.peek()
            if (t.kind in ('id', 'qid') and t.value == col and self.peek(1).kind == 'op'
                    and self.peek(1).value in ('+', '-')):
                self.i += 1
                sign = 1 if self.peek().value == '+' else -1
                self.i += 1
                assigns.append((col, 'add', sign, self.term()))
            else:
                v = self.term()
                if self.peek().kind == 'op' and self.peek().value == '+':
                    raise CQLInvalid('peer: "%s = term + %s" is not supported' % (col, col))
                assigns.append((col, 'set', 1, v))
            if not self.accept_op(','):
                break
        rels = self.where()
        if not rels:
            self.fail('WHERE')
        if self.is_kw('if'):
            raise CQLInvalid('peer: lightweight transactions (IF ...) are not supported')
        return Stmt(kind='update', keyspace=ks, table=name, ttl=ttl, timestamp=ts, assigns=assigns, where=rels)

    def delete(self):
        if not self.is_kw('from'):
            raise CQLInvalid('peer: deleting individual columns (DELETE col FROM ...) is not supported')
        self.expect_kw('from')
        ks, name = self.qualified()
        _, ts = self.using(allow_ttl=False)
        rels = self.where()
        if not rels:
            self.fail('WHERE')
        if self.is_kw('if'):
            raise CQLInvalid('peer: lightweight transactions (IF ...) are not supported')
        return Stmt(kind='delete', keyspace=ks, table=name, timestamp=ts, where=rels)

    def select(self):
        if self.is_kw('distinct'):
            raise CQLInvalid('peer: SELECT DISTINCT is not supported')
        if self.is_kw('json'):
            raise CQLInvalid('peer: SELECT JSON is not supported')
        cols = None
        if not self.accept_op('*'):
            cols = []
            while True:
                c = self.ident('column name')
                if self.peek().kind == 'op' and self.peek().value == '(':
                    raise CQLInvalid('peer: function selectors (%s(...)) are not supported' % c)
                if self.is_kw('as'):
                    raise CQLInvalid('peer: selector aliases (AS) are not supported')
                cols.append(c)
                if not self.accept_op(','):
                    break
        self.expect_kw('from')
        ks, name = self.qualified()
        rels = self.where()
        order = []
        if self.accept_kw('order', 'by'):
            while True:
                c = self.ident('column name')
                d = 'desc' if self.accept_kw('desc') else ('asc' if self.accept_kw('asc') or True else None)
                order.append((c, d))
                if not self.accept_op(','):
                    break
        if self.is_kw('per'):
            raise CQLInvalid('peer: PER PARTITION LIMIT is not supported')
        limit = None
        if self.accept_kw('limit'):
            limit = self.term()
        allow_filtering = self.accept_kw('allow', 'filtering')
        return Stmt(kind='select', keyspace=ks, table=name, columns=cols, where=rels, order=order, limit=limit,
                    allow_filtering=allow_filtering)


def parse(q):
    return Parser(q).statement()
