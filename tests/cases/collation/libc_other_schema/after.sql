CREATE SCHEMA app;
CREATE COLLATION app."Posix" (provider = libc, locale = 'C');
CREATE COLLATION app.split (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');
CREATE TABLE app.words (id integer PRIMARY KEY, w text COLLATE app."Posix", v varchar(20) COLLATE app.split);
