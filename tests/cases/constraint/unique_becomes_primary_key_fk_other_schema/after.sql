CREATE SCHEMA app;
CREATE TABLE parent (id integer NOT NULL, code text NOT NULL, CONSTRAINT parent_pkey PRIMARY KEY (id));
CREATE TABLE app.child (id integer PRIMARY KEY, parent_id integer REFERENCES public.parent (id) ON DELETE CASCADE);
CREATE TABLE app.other (id integer PRIMARY KEY, parent_id integer NOT NULL REFERENCES public.parent (id));
INSERT INTO parent VALUES (1, 'a'), (2, 'b');
INSERT INTO app.child VALUES (1, 1), (2, 2);
INSERT INTO app.other VALUES (1, 2);
