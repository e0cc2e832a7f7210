print("nazarctl")
