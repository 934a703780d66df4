SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER TABLE public.m ATTACH PARTITION public.m_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
