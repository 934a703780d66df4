CREATE COLLATION sorter (provider = icu, locale = 'de-DE');
