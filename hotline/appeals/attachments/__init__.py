"""Photos on appeals: 随手拍 reports, progress, and proof of completion (办理前 / 办理后)."""
