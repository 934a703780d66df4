CREATE TABLE t (id integer PRIMARY KEY, owner_id uuid, tenant text, status text);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE TABLE members (user_id uuid, tenant text);
CREATE FUNCTION my_tenants() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$ SELECT tenant FROM public.members WHERE user_id = current_setting('app.user')::uuid $$;
CREATE POLICY t_member ON t FOR SELECT USING (tenant IN (SELECT public.my_tenants()));
