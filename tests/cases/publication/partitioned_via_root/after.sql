CREATE TABLE m (id integer, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE m_2026 PARTITION OF m FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE m_2027 PARTITION OF m FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE PUBLICATION pub FOR TABLE m WITH (publish_via_partition_root = true, publish = 'insert, update, delete');
