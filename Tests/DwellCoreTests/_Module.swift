// DwellCoreTests
