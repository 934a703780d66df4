-- The roles the acceptance cases grant to and own objects with. Roles are
-- cluster-wide: made once per run, before any case.
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['acc_owner', 'acc_reader', 'acc_writer', 'acc_admin',
                           'anon', 'authenticated', 'service_role'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END $$;
