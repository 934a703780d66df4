SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER TABLE public.t ADD COLUMN n integer;
COMMENT ON PUBLICATION pub IS 'changes';
