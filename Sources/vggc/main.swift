print("vggc")
