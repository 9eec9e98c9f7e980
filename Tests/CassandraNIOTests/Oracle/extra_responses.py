"""Response frames beyond golden_responses.json, made with cqlcodec (the driver's primitives) for the Swift tests:
every error code with its extra fields, frame flags (tracing, warnings, custom payload), more column types, rows
without metadata, and schema changes of functions. Prints one JSON object a line: {"name", "hex"}."""
import datetime, decimal, ipaddress, json, uuid
from cassandra import cqltypes as T
import cqlcodec as C
from cqlcodec import R

U = uuid.UUID('0b3ac6a0-0000-11ef-8000-000000000001')
MapTT = T.MapType.apply_parameters((T.UTF8Type, T.UTF8Type))
frames = {
    'err_server': R.error(0x0000, 'boom'),
    'err_auth': R.error(0x0100, 'Provided username cassandra and/or password are incorrect'),
    'err_overloaded': R.error(0x1001, 'busy'),
    'err_bootstrapping': R.error(0x1002, 'starting'),
    'err_truncate': R.error(0x1003, 'truncate failed'),
    'err_read_failure': R.error(0x1300, 'read failed', cl=6, received=1, blockfor=2, numfailures=1, data_present=True),
    'err_function_failure': R.error(0x1400, 'fn failed', keyspace='ks', function='f', arg_types=['int', 'text']),
    'err_unauthorized': R.error(0x2100, 'no'),
    'err_config': R.error(0x2300, 'config'),
    'err_unknown_code': R.error(0x7777, 'future'),
    'rows_types': R.rows('ks', 't', [
        ('a', T.AsciiType), ('s', T.ShortType), ('ti', T.ByteType), ('f', T.FloatType), ('d', T.SimpleDateType),
        ('tm', T.TimeType), ('ip', T.InetAddressType), ('tu', T.TimeUUIDType), ('c', T.CounterColumnType),
        ('m', MapTT), ('b', T.BytesType), ('vi', T.IntegerType), ('de', T.DecimalType), ('i', T.Int32Type),
        ('ts', T.DateType)],
        [('abc', -2, -3, 1.5, datetime.date(2024, 5, 1), 3_600_000_000_000, '127.0.0.1', U, 42,
          {'k1': 'v1', 'k2': ''}, b'\x00\xff', 128, decimal.Decimal('1.5'), -7, datetime.datetime(2024, 5, 1)),
         (None,) * 15]),
    'rows_no_metadata': R.rows('ks', 't', [('ts', T.LongType), ('bool_v', T.BooleanType)], [(5, True), (6, None)],
                               paging_state=b'peer:2', no_metadata=True),
    'schema_function': R.schema_change('CREATED', 'FUNCTION', 'ks', 'f', ['int', 'text']),
    'schema_type': R.schema_change('DROPPED', 'TYPE', 'ks', 'address'),
}
for name, ob in frames.items():
    print(json.dumps({'name': name, 'hex': C.encode_response(ob, 3).hex()}))
flagged = C.encode_response(R.set_keyspace('ks'), 9, tracing_id=U, warnings=['w1', 'batch too large'],
                            custom_payload={'k': b'v', 'e': b''})
print(json.dumps({'name': 'flags_all', 'hex': flagged.hex()}))
print(json.dumps({'name': 'flags_warning', 'hex': C.encode_response(R.void(), 10, warnings=['w']).hex()}))
print(json.dumps({'name': 'flags_tracing', 'hex': C.encode_response(R.void(), 11, tracing_id=U).hex()}))
print(json.dumps({'name': 'flags_payload', 'hex': C.encode_response(R.void(), 12, custom_payload={'x': b'1'}).hex()}))
