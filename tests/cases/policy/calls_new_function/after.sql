CREATE TABLE t (id integer PRIMARY KEY, owner_id uuid, tenant text, status text);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION is_admin() RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT current_setting('app.admin', true) = 'on' $$;
CREATE POLICY t_admin ON t FOR ALL TO authenticated USING (public.is_admin());
