SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER PUBLICATION pub SET (publish = 'insert, update, delete', publish_via_partition_root = true);
CREATE TABLE public.m_2027 PARTITION OF public.m FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
