CREATE TABLE t (id integer PRIMARY KEY, owner_id uuid, tenant text, status text);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY t_sub ON t FOR SELECT USING (owner_id = (SELECT current_setting('app.user')::uuid));
