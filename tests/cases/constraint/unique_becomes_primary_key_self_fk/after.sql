CREATE TABLE node (id integer NOT NULL, parent_id integer, CONSTRAINT node_pkey PRIMARY KEY (id), CONSTRAINT node_parent_fkey FOREIGN KEY (parent_id) REFERENCES node (id));
INSERT INTO node VALUES (1, NULL), (2, 1), (3, 2);
