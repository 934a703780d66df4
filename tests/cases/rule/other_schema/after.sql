CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY, a text);
CREATE TABLE audit_log (id integer, a text);
CREATE RULE "Log It" AS ON INSERT TO app.t DO ALSO INSERT INTO public.audit_log VALUES (NEW.id, NEW.a);
