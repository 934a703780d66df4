CREATE COLLATION german (provider = icu, locale = 'de-DE');
