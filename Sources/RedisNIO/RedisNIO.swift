// RedisNIO: a RESP2/RESP3 client on SwiftNIO. It knows nothing of IoTFlow.
