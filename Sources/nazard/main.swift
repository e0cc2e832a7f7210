print("nazard")
