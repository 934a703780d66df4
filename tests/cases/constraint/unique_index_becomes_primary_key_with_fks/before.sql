CREATE TABLE parent (id integer NOT NULL, code text NOT NULL);
CREATE UNIQUE INDEX parent_id_idx ON parent (id);
CREATE TABLE child (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id));
INSERT INTO parent VALUES (1, 'a');
INSERT INTO child VALUES (1, 1);
