CREATE SCHEMA api;
CREATE TABLE public.items (id integer PRIMARY KEY, name text);
CREATE VIEW api."Items" AS SELECT id, name FROM public.items;
CREATE FUNCTION api.items_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.items VALUES (NEW.id, NEW.name); RETURN NEW; END $$;
CREATE TRIGGER "Items insert" INSTEAD OF INSERT ON api."Items" FOR EACH ROW EXECUTE FUNCTION api.items_insert();
