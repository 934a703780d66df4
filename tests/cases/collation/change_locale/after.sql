CREATE COLLATION sorter (provider = icu, locale = 'fr-FR');
