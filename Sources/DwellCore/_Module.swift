// DwellCore
