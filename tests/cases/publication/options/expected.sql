SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER PUBLICATION pub SET (publish = 'insert, update', publish_via_partition_root = false);
