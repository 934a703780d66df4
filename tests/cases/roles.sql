-- The roles the acceptance cases grant to and own objects with. Roles are
-- cluster-wide: made once per run, before any case. Supabase's three are
-- made as `reconcile shim` makes them, which other tests of the same
-- cluster rely on (service_role bypasses RLS).
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
      ('acc_owner', 'NOLOGIN'), ('acc_reader', 'NOLOGIN'),
      ('acc_writer', 'NOLOGIN'), ('acc_admin', 'NOLOGIN'),
      ('anon', 'NOLOGIN NOINHERIT'), ('authenticated', 'NOLOGIN NOINHERIT'),
      ('service_role', 'NOLOGIN NOINHERIT BYPASSRLS')) AS t(name, opts) LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name) THEN
      EXECUTE format('CREATE ROLE %I %s', r.name, r.opts);
    END IF;
  END LOOP;
END $$;
