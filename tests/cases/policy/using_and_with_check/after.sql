CREATE TABLE t (id integer PRIMARY KEY, owner_id uuid, tenant text, status text);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY t_write ON t FOR UPDATE TO authenticated USING (owner_id = current_setting('app.user')::uuid) WITH CHECK (owner_id = current_setting('app.user')::uuid);
