// DwellTestSupport
