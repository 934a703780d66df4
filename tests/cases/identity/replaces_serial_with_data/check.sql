-- The next id is past every row's, the one set by hand too.
INSERT INTO app.t (a) VALUES ('new'), ('newer');
