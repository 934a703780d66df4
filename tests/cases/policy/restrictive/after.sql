CREATE TABLE t (id integer PRIMARY KEY, owner_id uuid, tenant text, status text);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY t_tenant ON t AS RESTRICTIVE FOR ALL TO PUBLIC USING (tenant = current_setting('app.tenant', true));
