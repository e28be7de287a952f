// DwellIngest
