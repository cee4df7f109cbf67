-- A database per service (architecture.md: no service reads another's tables).
CREATE DATABASE registry;
CREATE DATABASE eligibility;
CREATE DATABASE finance_match;
CREATE DATABASE whistle;
