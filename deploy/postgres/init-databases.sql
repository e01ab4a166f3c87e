-- Run once by the postgres image on an empty data directory: one database per service (each service
-- owns its database). `kycuong migrate` also creates a missing one, so this only saves a first round trip.
CREATE DATABASE kycuong_tasks;
CREATE DATABASE kycuong_dossiers;
CREATE DATABASE kycuong_feedback;
CREATE DATABASE kycuong_discipline;
CREATE DATABASE kycuong_reporting;
