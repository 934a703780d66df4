CREATE TABLE docs (id integer PRIMARY KEY, owner text);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE TABLE grants_tbl (doc_id integer, who text);
CREATE FUNCTION can_read(d integer) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT EXISTS (SELECT 1 FROM public.grants_tbl WHERE doc_id = d AND who = current_user) $$;
CREATE POLICY docs_read ON docs FOR SELECT USING (public.can_read(id));
