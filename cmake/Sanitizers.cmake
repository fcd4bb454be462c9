# TANDEM_SANITIZE=address builds everything with ASan+UBSan, =thread with TSan.
if(TANDEM_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  # Tests that starve the process of resources the sanitizer runtime needs
  # itself (file descriptors) look at this.
  add_compile_definitions(TANDEM_UBSAN=1)
elseif(TANDEM_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT TANDEM_SANITIZE STREQUAL "")
  message(FATAL_ERROR "TANDEM_SANITIZE must be '', 'address' or 'thread'")
endif()
