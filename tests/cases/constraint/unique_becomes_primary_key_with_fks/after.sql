CREATE TABLE parent (id integer NOT NULL, code text NOT NULL UNIQUE, CONSTRAINT parent_pkey PRIMARY KEY (id));
CREATE TABLE child (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id));
INSERT INTO parent VALUES (1, 'a');
INSERT INTO child VALUES (1, 1);
