// ParsersTests
