-- reconcile's own bookkeeping. Runs with search_path set to the bookkeeping
-- schema only, so every name below lands there.
CREATE TABLE schema_migrations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    migration_name text NOT NULL UNIQUE,
    applied_at timestamptz NOT NULL DEFAULT now(),
    checksum text NOT NULL
);

CREATE TABLE migration_audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    migration_name text NOT NULL,
    checksum text,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    status text NOT NULL CHECK (status IN
        ('running', 'applied', 'failed', 'reverting', 'reverted', 'revert_failed', 'marked_applied')),
    error_message text,
    rows_affected_json jsonb,
    correlation_id text NOT NULL
);

CREATE INDEX migration_audit_name ON migration_audit (migration_name, id);

CREATE TABLE down_migrations (
    migration_name text PRIMARY KEY,
    sql text NOT NULL
);

-- Never readable by API roles: default privileges (e.g. Supabase's grants to
-- anon/authenticated) may have granted something on creation.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT format('SCHEMA %I', n.nspname) AS obj, a.grantee
          FROM pg_namespace n
          CROSS JOIN LATERAL aclexplode(n.nspacl) a
         WHERE n.oid = current_schema()::regnamespace AND a.grantee <> n.nspowner
        UNION
        SELECT c.oid::regclass::text, a.grantee
          FROM pg_class c
          CROSS JOIN LATERAL aclexplode(c.relacl) a
         WHERE c.relnamespace = current_schema()::regnamespace AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM %s', r.obj,
            CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE r.grantee::regrole::text END);
    END LOOP;
END
$$;
