-- With the identity, an insert takes an id past the rows already there.
DO $$
BEGIN
  IF pg_get_serial_sequence('public.t', 'id') IS NOT NULL THEN
    INSERT INTO t (a) VALUES ('new');
  END IF;
END
$$;
